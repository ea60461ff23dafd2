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
