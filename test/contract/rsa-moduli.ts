/** Public moduli made once with Node's generateKeyPairSync: jose will not make keys under 2048 bits. */
export const N_1024 =
  "xIoj3IK5knjmp2X6CsbTEBdR3eE7B1K0zBCPnUf6Am4cXrqnYaZZT7nfqo2KS3VxT-ozBNNqXdsZw38tWA4DsXdz-SM5tf-9CxVrbwMrTmLCkZgqrl9tkcMOzXk3PkxXbd5_lWH6jEjDlBb93138Vkl28rDA4ScdoU0Gs3F0o5U";
/** 256 octets, as many as a 2048-bit modulus: only its first octet (0x66) shows it has 2047 bits. */
export const N_2047 =
  "ZsDPnf8y3vukVRLqr38Ky1IIFx0dGhRDOJfkc2pvEWbsfuJAYdzdvVmR1rO0Lsb-sdEFLyW-lRccw5HfjpD3LtTcEDz2PMScGWpXdN-73U7mq8Uw9iAnI0dvuSlLyBAGZ0zcQmcjtEqWut9VKLaFnk9517zjR92F0lse0MflhLcvvf7hunO-aYvl1xmNxVUbMnutIMkred3iv_Tn0_Q72g78E7rtWDzVcln2SLgcH2ZZjPaXMWjmU6ogMJG_mzN5-mR3ktSJxRormGFVxTA9xsgmN6hcSVgP5kMw-WmDdyJgR_ziPcgMV69HDfrhC0vO4xRlvvFKORdxNsHzLmwTYw";
