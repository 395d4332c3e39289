// wrangler.toml's Text rule (and the test pool's modulesRules) load .sql files as their text.
declare module "*.sql" {
  const text: string;
  export default text;
}
