/* The wasm backend through require, for the reason given in scripts/vitest-tfjs.cjs. */
const backend = require("@tensorflow/tfjs-backend-wasm");
module.exports = backend;
