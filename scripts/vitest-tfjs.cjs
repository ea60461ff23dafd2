/*
 * vitest loads TensorFlow.js through this file (an alias in vitest.config.mts), by require, as Next
 * and the training workers do. An ES module that imports tfjs's CommonJS bundle directly makes Node
 * scan the bundle and every bundle it re-exports for export names first: some 0.3 s of CPU in each
 * test file's process. Assigned through a variable, these exports give Node no names to look for,
 * and vitest hands the tests the module's exports as they are.
 */
const tf = require("@tensorflow/tfjs");
module.exports = tf;
