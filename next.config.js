const { securityHeaders } = require("./lib/http/security-headers.cjs");

/**
 * API answers are per user and never to be stored by a browser or a shared cache. no-transform
 * also keeps Next from gzipping them: the answers are a few kB, and compressing each one cost the
 * server more than the rest of a queue claim (docs/performance.md).
 */
const apiHeaders = [
  { key: "Cache-Control", value: "no-store, no-transform" },
  { key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'" },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native and wasm packages are loaded from node_modules at run time, not bundled.
  serverExternalPackages: ["better-sqlite3", "@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm"],
  poweredByHeader: false,
  // Lets several builds live side by side in one checkout (parallel development, e2e).
  distDir: process.env.NEXT_DIST_DIR || ".next",
  experimental: {
    // A CI run builds once from a clean clone: a build cache written there is never read again.
    turbopackFileSystemCacheForBuild: process.env.CI !== "true",
  },
  typescript: {
    // `npm test` type-checks the whole project with tsc; this only lets a work-in-progress build run.
    ignoreBuildErrors: process.env.OCTORANK_SKIP_TYPECHECK === "1",
  },
  async headers() {
    return [
      { source: "/:path*", headers: securityHeaders },
      { source: "/api/:path*", headers: apiHeaders },
    ];
  },
};

module.exports = nextConfig;
