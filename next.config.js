/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native and wasm packages are loaded from node_modules at run time, not bundled.
  serverExternalPackages: ["better-sqlite3", "@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm"],
  poweredByHeader: false,
  // Lets several builds live side by side in one checkout (parallel development, e2e).
  distDir: process.env.NEXT_DIST_DIR || ".next",
  typescript: {
    // `npm test` type-checks the whole project with tsc; this only lets a work-in-progress build run.
    ignoreBuildErrors: process.env.OCTORANK_SKIP_TYPECHECK === "1",
  },
};

module.exports = nextConfig;
