import { describe, expect, it } from "vitest";
import { addressRefusal, hostRefusal } from "../../src/webhooks/ssrf.js";

// Which destinations a production webhook may not reach, address by address. (Pure functions:
// Workers run the same; they sit here with the Node tests that resolve names through them.)

const host = (url: string) => new URL(url).hostname;

describe("webhook destinations", () => {
  it("refuses every address outside the public Internet, in any spelling a URL allows", () => {
    for (const [url, reason] of [
      ["https://127.0.0.1/", "a loopback address"],
      ["https://0x7f000001/", "a loopback address"],
      ["https://017700000001/", "a loopback address"],
      ["https://127.1/", "a loopback address"],
      ["https://0.0.0.0/", "an unspecified address"],
      ["https://10.255.0.1/", "a private address"],
      ["https://172.31.255.255/", "a private address"],
      ["https://192.168.0.1/", "a private address"],
      ["https://100.64.0.1/", "a carrier-grade NAT address"],
      ["https://100.100.100.200/", "a carrier-grade NAT address"],
      ["https://169.254.169.254/", "a cloud metadata address"],
      ["https://169.254.1.1/", "a link-local address"],
      ["https://224.0.0.1/", "a multicast address"],
      ["https://255.255.255.255/", "a reserved address"],
      ["https://[::1]/", "a loopback address"],
      ["https://[0:0:0:0:0:0:0:1]/", "a loopback address"],
      ["https://[::]/", "an unspecified address"],
      ["https://[::ffff:127.0.0.1]/", "a loopback address"],
      ["https://[::ffff:a9fe:a9fe]/", "a cloud metadata address"],
      ["https://[fe80::1]/", "a link-local address"],
      ["https://[fd00:ec2::254]/", "a unique local address"],
      ["https://[fc00::1]/", "a unique local address"],
      ["https://[ff02::1]/", "a multicast address"],
      ["https://[64:ff9b::a00:1]/", "not a global unicast address"],
      ["https://[2001:db8::1]/", "a documentation address"],
      ["https://[2002:7f00:1::]/", "a 6to4 address"],
      ["https://[2001:0:4136:e378::1]/", "an IETF protocol address (Teredo, ORCHID, benchmarking)"],
      ["https://localhost/", "an internal name"],
      ["https://LOCALHOST./", "an internal name"],
      ["https://app.localhost/", "an internal name"],
      ["https://printer.local/", "an internal name"],
      ["https://metadata.google.internal/", "an internal name"],
      ["https://router.home.arpa/", "an internal name"],
      ["https://intranet/", "an internal name"],
      ["https://files/", "a name without a domain"],
    ]) {
      expect([url, hostRefusal(host(url!))]).toEqual([url, reason]);
    }
  });

  it("lets public addresses and names through", () => {
    for (const url of [
      "https://8.8.8.8/",
      "https://1.1.1.1/",
      "https://100.128.0.1/",
      "https://172.32.0.1/",
      "https://[2606:4700:4700::1111]/",
      "https://[::ffff:8.8.8.8]/",
      "https://hooks.bank.example/",
      "https://xn--fsqu00a.xn--0zwm56d/",
    ]) {
      expect([url, hostRefusal(host(url))]).toEqual([url, undefined]);
    }
    expect(addressRefusal("93.184.216.34")).toBeUndefined();
    expect(addressRefusal("not-an-address")).toBe("not an IP address");
  });
});
