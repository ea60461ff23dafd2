/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native and wasm packages are loaded from node_modules at run time, not bundled.
  serverExternalPackages: ["better-sqlite3", "@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm"],
  poweredByHeader: false,
  typedRoutes: false,
};

module.exports = nextConfig;
