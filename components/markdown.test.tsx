import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import { Markdown } from "@/components/markdown";

const html = (source: string) => renderToStaticMarkup(<Markdown source={source} />);

describe("Markdown", () => {
  it("shows raw HTML as text instead of rendering it", () => {
    const out = html('Hi <img src=x onerror="alert(1)"> <b>bold</b>\n\n<script>alert(2)</script>');
    expect(out).not.toContain("<img");
    expect(out).not.toContain("<script");
    expect(out).not.toContain("<b>");
    expect(out).toContain("&lt;img");
    expect(out).toContain("&lt;script&gt;alert(2)&lt;/script&gt;");
  });

  it("renders fenced code in a scrollable monospace block with highlighting", () => {
    const out = html("```python\ndef f(x):\n    return x  # comment\n```");
    expect(out).toMatch(/<pre[^>]*tabindex="0"[^>]*overflow-x-auto/);
    expect(out).toContain("hljs-keyword");
    expect(out).toContain("hljs-comment");
    // Not highlight.js's own scroll box: the theme's `pre code.hljs` would scroll the inner <code>.
    expect(out).not.toMatch(/<code[^>]*class="[^"]*\bhljs\b/);
  });

  it("renders tables, lists, bold, inline code and math", () => {
    const out = html("| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- **two** `x`\n\n$e^{i\\pi}+1=0$");
    expect(out).toContain("<table");
    expect(out).toContain("<td");
    expect(out).toContain("<li>one</li>");
    expect(out).toContain("<strong");
    expect(out).toMatch(/<code[^>]*>x<\/code>/);
    expect(out).toContain('class="katex"');
  });

  it("never turns a heading in the content into a document heading", () => {
    expect(html("# Big\n\n## Smaller")).not.toMatch(/<h\d/);
  });

  it("does not fetch images, and links open safely", () => {
    const out = html("![cat](http://example.com/cat.png) [site](https://example.com)");
    expect(out).not.toContain("<img");
    expect(out).toContain("[image: cat]");
    expect(out).toContain('rel="noreferrer noopener nofollow"');
  });
});

describe("Markdown within its budget", () => {
  const deepList = (depth: number) => Array.from({ length: depth }, (_, i) => "  ".repeat(i) + "- x").join("\n");

  it("shows what would cost the parser too much as the plain text it is", () => {
    for (const hostile of [
      deepList(2000),
      "- ".repeat(2450) + "x",
      "> ".repeat(3000) + "x",
      "[".repeat(100_000),
      "**a".repeat(7000),
      [
        "|" + " a |".repeat(150),
        "|" + "---|".repeat(150),
        ...Array.from({ length: 300 }, () => "|" + " 1 |".repeat(150)),
      ].join("\n"),
    ]) {
      const out = html(hostile);
      expect(out).toContain('data-markdown="plain"');
      expect(out).not.toContain("<li");
      expect(out).not.toContain("<blockquote");
      expect(out).not.toContain("<table");
    }
  });

  it("still renders nesting and tables of the size real content has", () => {
    const out = html(`${deepList(6)}\n\n> > quoted twice\n\n| a | b |\n|---|---|\n| 1 | 2 |`);
    expect(out.match(/<ul/g)).toHaveLength(6);
    expect(out.match(/<blockquote/g)).toHaveLength(2);
    expect(out).toContain("<table");
  });

  it("typesets a few maths spans but shows thousands as their source", () => {
    const many = Array.from({ length: 5000 }, (_, i) => `$x_${i}$`)
      .join(" ")
      .slice(0, 19_000);
    const out = html(many);
    expect(out).not.toContain('class="katex"');
    expect(out).toContain("$x_1$");
    expect(html("$\\frac{1}{2}$ and $x^2$").match(/class="katex"/g)).toHaveLength(2);
  });

  it("caps the sizes maths asks for, and stops runaway macros and nesting", () => {
    const rule = html("$\\rule{3000px}{3000px}$");
    const heights = [...rule.matchAll(/(?:height|border-right-width|border-top-width):\s*([\d.]+)em/g)].map((m) =>
      Number(m[1]),
    );
    expect(heights.length).toBeGreaterThan(0);
    expect(Math.max(...heights)).toBeLessThanOrEqual(20);
    expect(html("$\\def\\a{\\a\\a}\\a$")).toContain("katex-error");
    expect(html("$" + "\\frac{".repeat(400) + "1" + "}{2}".repeat(400) + "$")).not.toContain('class="katex"');
  });

  it("keeps deep indentation inside fenced code", () => {
    const code = "```\n" + Array.from({ length: 40 }, (_, i) => " ".repeat(i * 2) + "- step").join("\n") + "\n```";
    expect(html(code)).toContain("<pre");
  });
});
