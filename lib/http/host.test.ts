import { describe, expect, it } from "vitest";
import { foreignHostError, hostname, namesFrom } from "@/lib/http/host";

const withHost = (host: string) => new Request("http://irrelevant/", { headers: { host } });

describe("foreignHostError", () => {
  const names = namesFrom({
    publicUrl: "https://octorank.lab.example/",
    allowed: " 10.0.0.5 , Ranker.Example:8080,",
    bindHost: "0.0.0.0",
  });

  it("answers the loopback names, NEXTAUTH_URL's host and the listed ones, on any port", () => {
    for (const host of [
      "localhost:3000",
      "127.0.0.1:3401",
      "127.8.9.10",
      "[::1]:3000",
      "octorank.lab.example",
      "OCTORANK.lab.example.:443",
      "10.0.0.5:3000",
      "ranker.example",
    ])
      expect(foreignHostError(withHost(host), names), host).toBeNull();
  });

  it("refuses any other name: a rebound attacker's, a wildcard bind address, a malformed Host", () => {
    for (const host of [
      "attacker.example:3000",
      "localhost.attacker.example",
      "127.0.0.1.attacker.example",
      "0.0.0.0:3000",
      "10.0.0.6",
      "octorank.lab.example@attacker.example",
      "",
    ]) {
      const error = foreignHostError(withHost(host), names);
      expect(error?.kind, host).toBe("forbidden");
      expect(error?.message).toContain("OCTORANK_ALLOWED_HOSTS");
    }
  });

  it("takes a bind address that names one interface as the server's", () => {
    expect(
      foreignHostError(withHost("192.168.1.7:3000"), namesFrom({ allowed: "", bindHost: "192.168.1.7" })),
    ).toBeNull();
    expect(foreignHostError(withHost("[fd00::7]:3000"), namesFrom({ allowed: "", bindHost: "fd00::7" }))).toBeNull();
  });

  it("reads the name part of a Host header", () => {
    expect(hostname("[::1]:3000")).toBe("[::1]");
    expect(hostname("Example.COM")).toBe("example.com");
    expect(hostname("a b")).toBeNull();
  });
});
