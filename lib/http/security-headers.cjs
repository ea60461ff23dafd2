/**
 * Sent with every response, pages, API and static files alike (proxy.ts adds each page's CSP):
 * by next.config.js, and by scripts/server-preload.cjs for the requests it answers before Next.
 * CommonJS, because both of those load it without a bundler.
 */
const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];

module.exports = { securityHeaders };
