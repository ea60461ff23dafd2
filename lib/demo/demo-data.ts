/**
 * Demo content for the seeded "Assistant responses (demo)" dataset.
 *
 * Each prompt has exactly eight responses listed in their true quality order, best first; the seed
 * shuffles their stored positions and simulates annotators from this order. `tiesAfter` marks
 * neighbours that are about equally good. `openness` is the intended tag on the 0–1 scale.
 *
 * No imports on purpose: this file is plain data.
 */

export type DemoPrompt = {
  /** Stable slug, e.g. "closed-arith-17x23" or "open-poem-autumn". */
  externalId: string;
  /** The user prompt. */
  text: string;
  /** The "true" openness: one of 0, 0.25, 0.5, 0.75, 1. */
  openness: number;
  /** Exactly 8 assistant responses, in true quality order, best first. */
  responses: string[];
  /** Indexes i where responses[i] and responses[i + 1] are about equally good. */
  tiesAfter?: number[];
};

export const DEMO_GUIDELINES: string = `# Ranking guidelines

Each item shows one user prompt and eight assistant responses. Your job has two parts: **rank** the responses from best to worst, and **tag** how open-ended the prompt is.

## How to rank

Put the best response at the top. Judge each one as the person who asked would, in this order of priority:

1. **Correct and safe.** A response with a factual error, wrong code output or harmful advice ranks below every correct response, however polished it looks.
2. **Fits the request.** Did it follow the stated constraints: length, format, audience, budget, number of items? A six-word story has six words.
3. **Clear and concise.** Prefer the response that gets to the point. Explanation is good when it helps; padding, repeated caveats and filler ("Great question!") are not.
4. **Polish and creativity**, which matter most on open-ended prompts.

Read long responses in full (use **Expand**) before placing them. Length is not quality in either direction.

## Ties

If two responses are genuinely equally good, for example "391" and "17 × 23 = 391", put them in the same group. Don't use ties to dodge a hard call: if you would pick one over the other when forced, rank it higher.

## Cannot rank

Use **Cannot rank** when you can't judge the item responsibly: it needs expertise you don't have (a language you can't read, a specialist field), the responses are broken or duplicated, or the prompt is something you shouldn't be reviewing. Leave a short note saying why. Don't use it for items that are merely hard or tedious.

## Openness

Tag the *prompt*, not the responses you happened to see: how many different answers could be fully good?

| Value | Label | Typical prompts |
|---|---|---|
| 0 | One correct answer | "What is 17 × 23?", "What does this code print?" |
| 0.25 | Mostly one answer | A grammar fix; a git command with an equivalent spelling |
| 0.5 | A few good answers | "Summarize this paragraph", "Explain recursion to a beginner" |
| 0.75 | Many good answers | Gift ideas within a budget, advice on a difficult conversation |
| 1 | Many equally good answers | A haiku, names for a cat, a slogan |

When you're torn between two values, ask whether two experts could give answers that differ in *substance* and both be right. If they could only differ in wording, choose the lower value.

Openness also changes how you rank. On closed prompts, correctness decides most of the order. On open prompts, several responses may be fine; rank by fit to the request and by how much you would want to use each one, and expect more ties.`;

export const DEMO_PROMPTS: DemoPrompt[] = [
  // ---------------------------------------------------------------------------
  // Closed prompts: one correct answer (openness 0) or mostly one (0.25)
  // ---------------------------------------------------------------------------

  {
    externalId: "closed-arith-17x23",
    text: "What is 17 × 23?",
    openness: 0,
    responses: [
      `17 × 23 = 391

(17 × 20 = 340, plus 17 × 3 = 51, gives 391.)`,
      "391",
      `Great question! Multiplication is one of the four basic arithmetic operations, and there are several ways to approach a problem like this. Let's work it out step by step using long multiplication.

First, multiply 17 by the ones digit of 23, which is 3:
17 × 3 = 51

Next, multiply 17 by the tens digit of 23, which is 2, and remember to shift one place to the left (because it's really 20):
17 × 20 = 340

Finally, add the two partial products together:
51 + 340 = 391

Therefore, 17 × 23 = 391. I hope this helps! Let me know if you have any other math questions.`,
      "It's 391, since 17 × 23 is basically 400 minus 9.",
      "17 × 20 = 340 and 17 × 3 = 41, so 17 × 23 = 381.",
      "17 × 23 is approximately 401.",
      "17 + 23 = 40.",
      "I'm not able to perform calculations reliably. For accurate results, please use a calculator.",
    ],
    tiesAfter: [0],
  },
  {
    externalId: "closed-capital-australia",
    text: "What is the capital of Australia?",
    openness: 0,
    responses: [
      "Canberra. A lot of people guess Sydney or Melbourne since they're the biggest cities, but Canberra was chosen as a compromise between the two, and Parliament has met there since 1927.",
      "The capital of Australia is Canberra.",
      "Canberra.",
      "Australia is a country and continent located in the Southern Hemisphere, between the Indian and Pacific Oceans. It is made up of six states and several territories, and it is known for its unique wildlife, beautiful beaches, and vibrant cities such as Sydney, Melbourne, and Brisbane. Many people assume that Sydney, the largest and most famous city, is the capital. However, the capital city of Australia is actually Canberra, which is located in the Australian Capital Territory (ACT).",
      "The capital is Canberra, which is in New South Wales.",
      "Melbourne. It has been the capital since federation in 1901.",
      "Sydney is the capital of Australia.",
      "The currency of Australia is the Australian dollar (AUD).",
    ],
    tiesAfter: [1],
  },
  {
    externalId: "closed-boiling-point-f",
    text: "What's the boiling point of water at sea level in Fahrenheit?",
    openness: 0,
    responses: [
      "212 °F (100 °C) at standard sea-level pressure.",
      "212°F.",
      "Water boils at 212 degrees Fahrenheit at sea level. It's worth noting, though, that the boiling point depends on air pressure. At higher altitudes, where the pressure is lower, water boils at a lower temperature — in Denver, about a mile above sea level, it boils at roughly 202 °F. That's why some recipes include high-altitude adjustments. Pressure cookers work the other way around: by raising the pressure, they raise the boiling point, which lets food cook faster.",
      "Water boils at 100 degrees, which is 212.",
      "About 210 °F at sea level.",
      "Water boils at 373.15 degrees at sea level.",
      "At sea level, water boils at 100 °F.",
      "The freezing point of water is 32 °F.",
    ],
    tiesAfter: [0],
  },
  {
    externalId: "closed-convert-miles-km",
    text: "How many kilometers is 26.2 miles?",
    openness: 0,
    responses: [
      "About 42.2 km (26.2 × 1.609 ≈ 42.16 km).",
      "26.2 miles ≈ 42.16 kilometers.",
      `To convert miles to kilometers, you multiply by the conversion factor 1.609344, because one international mile is defined as exactly 1,609.344 meters.

26.2 × 1.609344 = 42.1648128 km

Rounded to two decimal places, that's 42.16 km.

Fun fact: 26.2 miles is the marathon distance, which is officially 42.195 km (26 miles 385 yards), so "26.2" is itself a rounded figure.`,
      "26.2 × 1.6 = 41.92, so about 41.9 km.",
      "Roughly 40 km.",
      "26.2 miles is about 16.3 km (26.2 ÷ 1.609).",
      "26.2 miles = 42,164.8 kilometers.",
      "I can't access live conversion rates, so I'd recommend checking an online converter for the most up-to-date figure.",
    ],
    tiesAfter: [0],
  },
  {
    externalId: "closed-python-list-alias",
    text: `What does this Python code print?

\`\`\`python
x = [1, 2, 3]
y = x
y.append(4)
print(len(x))
\`\`\``,
    openness: 0,
    responses: [
      `It prints \`4\`.

\`y = x\` doesn't copy the list — both names refer to the same list object, so appending through \`y\` also changes \`x\`. If you want an independent copy, use \`y = x.copy()\` or \`y = x[:]\`.`,
      "`4`",
      `Let's go through this line by line.

Line 1: \`x = [1, 2, 3]\` creates a new list containing three integers and binds the name \`x\` to it.

Line 2: \`y = x\` binds the name \`y\` to the same list object. This is an important point in Python: assignment never copies objects. Both \`x\` and \`y\` are now references to one list in memory.

Line 3: \`y.append(4)\` adds the integer 4 to the end of that list. Because \`x\` and \`y\` point to the same object, the change is visible through both names. The list is now \`[1, 2, 3, 4]\`.

Line 4: \`print(len(x))\` prints the length of the list, which is 4.

So the output is:

\`\`\`
4
\`\`\``,
      "4, because append adds one element to the list.",
      "It prints `3`. `y.append(4)` only modifies `y`; `x` still has three elements.",
      "It prints `[1, 2, 3, 4]`.",
      "This raises an `AttributeError`, because lists don't have an `append` method in Python 3.",
      `Here's a cleaner version of your code:

\`\`\`python
x = [1, 2, 3, 4]
print(len(x))
\`\`\``,
    ],
  },
  {
    externalId: "closed-sql-count-null",
    text: `Given this table:

\`\`\`
orders
id | customer | amount
1  | ana      | 30
2  | ben      | 15
3  | ana      | 20
4  | cy       | NULL
\`\`\`

What does \`SELECT COUNT(amount) FROM orders;\` return?`,
    openness: 0,
    responses: [
      "`3`. `COUNT(column)` skips NULLs, so cy's row isn't counted. (`COUNT(*)` would return 4.)",
      "3",
      `The query returns 3.

In SQL, aggregate functions such as COUNT, SUM, AVG, MIN and MAX operate over a set of rows. COUNT has two common forms that behave differently:

- \`COUNT(*)\` counts every row, regardless of the values in it.
- \`COUNT(expression)\` counts only the rows where the expression is not NULL.

Your query uses \`COUNT(amount)\`. Looking at the table, rows 1, 2 and 3 have non-NULL amounts (30, 15 and 20), while row 4 has NULL. Therefore only three rows are counted.

If you wanted to include the NULL row, you would use \`COUNT(*)\` instead, which would return 4. If you wanted to count distinct amounts, you could use \`COUNT(DISTINCT amount)\`, which in this case would also return 3.`,
      "3, because COUNT only counts the distinct customers.",
      "4 — COUNT counts every row in the table.",
      "It returns 65, the total of the amount column.",
      "It returns NULL, because one of the values in the column is NULL.",
      "You should avoid storing NULL in a money column. Give `amount` a default of 0 and add a NOT NULL constraint so queries like this behave predictably.",
    ],
    tiesAfter: [0],
  },
  {
    externalId: "closed-regex-phone",
    text: `Which of these strings match the regex \`^\\d{3}-\\d{4}$\`?

- \`555-1234\`
- \`5551234\`
- \`555-12345\`
- \`55-1234\``,
    openness: 0,
    responses: [
      `Only \`555-1234\`.

The pattern needs exactly three digits, a hyphen, and exactly four digits, and \`^\` / \`$\` anchor it to the whole string. \`5551234\` has no hyphen, \`555-12345\` has five digits after the hyphen, and \`55-1234\` has only two before it.`,
      "Just `555-1234`.",
      `Let's break the regular expression down token by token:

- \`^\` asserts the start of the string.
- \`\\d{3}\` matches exactly three digits (0–9).
- \`-\` matches a literal hyphen.
- \`\\d{4}\` matches exactly four digits.
- \`$\` asserts the end of the string.

Now let's test each candidate:

1. \`555-1234\`: three digits, hyphen, four digits, nothing else. Match.
2. \`5551234\`: there is no hyphen after the first three digits. No match.
3. \`555-12345\`: after matching four digits, the regex expects the end of the string, but there is another \`5\`. No match.
4. \`55-1234\`: only two digits before the hyphen. No match.

Result: only \`555-1234\` matches.`,
      "`555-1234` matches. The others don't because they're in the wrong format.",
      "`555-1234` and `555-12345` both match: `\\d{4}` matches the first four digits and the extra `5` is simply ignored.",
      "`555-1234` and `5551234` — the hyphen is optional in this pattern.",
      "All four match, since they all consist of digits.",
      `Here's a more robust regex for US phone numbers:

\`\`\`
^\\(?\\d{3}\\)?[-.\\s]?\\d{3}[-.\\s]?\\d{4}$
\`\`\``,
    ],
  },
  {
    externalId: "closed-grammar-fix",
    text: 'Fix the grammar in this sentence: "Me and him goes to the store every Saturdays."',
    openness: 0.25,
    responses: [
      `"He and I go to the store every Saturday."

- "Me and him" → "He and I" (they're the subject, so use subject pronouns)
- "goes" → "go" (the subject is plural)
- "Saturdays" → "Saturday" ("every" takes a singular noun)`,
      "He and I go to the store every Saturday.",
      "Every Saturday, he and I go to the store.",
      `There are several grammatical issues in this sentence, so let's look at each of them in turn.

First, the pronouns. "Me" and "him" are object pronouns, but in this sentence they are performing the action, so they are the subject. Subject pronouns are "I" and "he". Additionally, it is considered polite in English to put yourself last, so "he and I" is preferred over "I and he".

Second, subject-verb agreement. A compound subject joined by "and" is plural, so the verb should be "go" rather than "goes".

Third, the word "every" is followed by a singular noun, so "every Saturdays" should be "every Saturday". Alternatively, you could say "on Saturdays", which has the same meaning.

Putting all of this together, the corrected sentence is: "He and I go to the store every Saturday."`,
      '"Him and I go to the store every Saturday."',
      '"Me and him go to the store every Saturday."',
      '"He and me goes to the store on Saturdays."',
      "The sentence is acceptable in informal spoken English, so no changes are needed.",
    ],
    tiesAfter: [0, 1],
  },
  {
    externalId: "closed-apollo-11-year",
    text: "What year did Apollo 11 land on the Moon?",
    openness: 0,
    responses: [
      "1969 — the lunar module touched down on July 20, 1969.",
      "1969.",
      "Apollo 11 landed on the Moon in 1969. The mission launched from Kennedy Space Center on July 16, 1969, carrying astronauts Neil Armstrong, Buzz Aldrin and Michael Collins. On July 20, Armstrong and Aldrin descended to the surface in the lunar module Eagle, landing in the Sea of Tranquility, while Collins remained in orbit aboard the command module Columbia. Armstrong became the first person to walk on the Moon a few hours later. The crew returned safely to Earth on July 24, 1969, splashing down in the Pacific Ocean.",
      "It was in the late 1960s — 1969, I believe.",
      "Apollo 11 landed on the Moon on July 16, 1969.",
      "1967.",
      "1972 — that was the first crewed Moon landing.",
      "Some people dispute that the landing happened at all, so it's hard to give a definitive year.",
    ],
  },
  {
    externalId: "closed-percent-15-of-84",
    text: "What is 15% of 84?",
    openness: 0,
    responses: [
      "12.6 (0.15 × 84 = 12.6)",
      "12.6",
      `To find a percentage of a number, you first convert the percentage to a decimal by dividing it by 100. So 15% becomes 15 ÷ 100 = 0.15.

Next, multiply the number by that decimal: 84 × 0.15.

A handy mental-math shortcut: 10% of 84 is 8.4, and 5% is half of that, which is 4.2. Adding them gives 8.4 + 4.2 = 12.6.

So 15% of 84 is 12.6.`,
      "About 12.6, give or take.",
      "10% of 84 is 8.4 and 5% is 4.4, so 15% is 12.8.",
      "15% of 84 is 71.4.",
      "1.26",
      "Percentages can be tricky! Try using the % key on your calculator, or a free online percentage calculator.",
    ],
    tiesAfter: [0],
  },
  {
    externalId: "closed-spelling-accommodate",
    text: 'Which is the correct spelling: "accomodate", "acommodate", or "accommodate"?',
    openness: 0,
    responses: [
      "\"Accommodate\" — two c's and two m's.",
      "accommodate",
      `The correct spelling is "accommodate". This is one of the most commonly misspelled words in English, and it frequently appears on lists of spelling demons.

A useful mnemonic is that the word is big enough to accommodate two c's and two m's: ac-com-mo-date.

The word comes from the Latin "accommodare", meaning "to fit or adapt", which combines "ad-" (to) with "commodus" (fitting). The doubled consonants are inherited from the Latin. Related words keep the same spelling: accommodation, accommodating, accommodated.`,
      "The correct one is the third option.",
      '"Accommodate" is correct — it has two c\'s and one m.',
      '"Accomodate" is the correct spelling.',
      'Both "accomodate" and "accommodate" are accepted in American English.',
      '"Accommodate" means to provide lodging or sufficient space for someone or something.',
    ],
    tiesAfter: [0],
  },
  {
    externalId: "closed-js-typeof-null",
    text: "What does `console.log(typeof null)` print in JavaScript?",
    openness: 0,
    responses: [
      `It prints \`object\`.

That's a long-standing quirk from the first version of JavaScript that was kept for backward compatibility. To check for null, use \`value === null\`.`,
      "It logs `object`.",
      `It prints "object", which surprises a lot of developers, since null is a primitive value in JavaScript, not an object.

The reason is historical. In the original implementation of JavaScript, values were stored with a small type tag, and the tag for objects was 0. \`null\` was represented as the NULL pointer, which was all zeros, so its type tag also read as 0 — and \`typeof\` reported "object".

A proposal to change \`typeof null\` to return "null" was considered, but it was rejected because it would have broken too much existing code on the web.

In practice, if you want to check whether something is null, compare it directly:

\`\`\`js
if (value === null) { ... }
\`\`\`

And if you want to check for a "real" object, use \`value !== null && typeof value === "object"\`.`,
      "object (it's a bug)",
      "It prints `null`, since `typeof` returns the name of the value's type.",
      "`undefined`",
      "It throws a `TypeError`, because you can't take the `typeof` of null.",
      "In TypeScript you can enable `strictNullChecks` to catch most null-related bugs at compile time.",
    ],
  },
  {
    externalId: "closed-convert-f-to-c",
    text: "Convert 100 °F to Celsius.",
    openness: 0,
    responses: [
      `100 °F ≈ 37.8 °C

(100 − 32) × 5/9 = 37.78`,
      "About 37.8 °C.",
      `To convert from Fahrenheit to Celsius, you use the formula C = (F − 32) × 5/9. The reason for subtracting 32 is that the two scales have different zero points: water freezes at 32 °F but at 0 °C. The 5/9 factor accounts for the different size of the degrees, since there are 180 Fahrenheit degrees between the freezing and boiling points of water but only 100 Celsius degrees.

Applying the formula:

(100 − 32) = 68
68 × 5/9 = 37.777...

So 100 °F is approximately 37.8 °C.`,
      "Around 38 degrees Celsius.",
      "100 °F is 37.5 °C.",
      "100 ÷ 1.8 = 55.6 °C",
      "100 × 9/5 + 32 = 212, so 100 °F is 212 °C.",
      "A temperature of 100 °F usually indicates a mild fever. Rest, drink plenty of fluids, and contact a doctor if it goes above 103 °F or lasts more than a few days.",
    ],
    tiesAfter: [0],
  },
  {
    externalId: "closed-chem-gold",
    text: "What is the chemical symbol for gold?",
    openness: 0,
    responses: [
      "Au (from the Latin *aurum*).",
      "Au",
      'The chemical symbol for gold is Au. Gold is element number 79 on the periodic table and is a transition metal in group 11, alongside copper and silver. Its symbol comes from the Latin word "aurum", which means gold. Gold is prized for being highly resistant to corrosion, and it is an excellent conductor of electricity, which is why it is used in electronics as well as in jewelry and coins.',
      "It's Au, I think.",
      "The symbol is AU.",
      "Ag",
      "Go",
      "Gold is a precious metal commonly used in jewelry, electronics and as a store of value.",
    ],
  },
  {
    externalId: "closed-leap-year-2100",
    text: "Is 2100 a leap year?",
    openness: 0,
    responses: [
      "No. Years divisible by 100 are not leap years unless they're also divisible by 400. 2100 is divisible by 100 but not by 400, so it's a common year. (2000 was a leap year; 2100 won't be.)",
      "No, 2100 is not a leap year.",
      `No, 2100 will not be a leap year.

To understand why, it helps to know a little history. The Julian calendar, introduced in 45 BC, added a leap day every four years, which makes the average calendar year 365.25 days long. But the actual solar (tropical) year is about 365.2422 days, so the Julian calendar drifted by roughly one day every 128 years. By the 16th century it had drifted about ten days relative to the seasons.

The Gregorian reform of 1582 fixed this with an extra rule: century years are only leap years if they are divisible by 400. That brings the average year to 365.2425 days, very close to the solar year.

So the full rule is:
- divisible by 4 → leap year,
- except divisible by 100 → not a leap year,
- except divisible by 400 → leap year after all.

2100 is divisible by 4 and by 100, but not by 400. Therefore it is a common year with 365 days. (By contrast, 2000 was divisible by 400, so it was a leap year.)`,
      "No — it's a century year.",
      "No, because 2100 isn't divisible by 4.",
      "Yes. 2100 is divisible by 4, so it's a leap year.",
      "Yes, every fourth year is a leap year, and 2100 comes four years after 2096.",
      "I can't predict future calendar events, but you can check an official calendar closer to the date.",
    ],
  },
  {
    externalId: "closed-python-conditional",
    text: `What does this print?

\`\`\`python
def f(n):
    return n * 2 if n > 3 else n + 1

print(f(3), f(4))
\`\`\``,
    openness: 0,
    responses: [
      `\`\`\`
4 8
\`\`\`

\`f(3)\`: \`3 > 3\` is False, so it returns 3 + 1 = 4. \`f(4)\`: \`4 > 3\` is True, so it returns 4 * 2 = 8. \`print\` separates the two values with a space.`,
      "It prints: `4 8`",
      `This code uses Python's conditional expression (sometimes called the ternary operator), which has the form \`value_if_true if condition else value_if_false\`.

Let's evaluate each call:

- \`f(3)\`: the condition is \`3 > 3\`. Since 3 is not strictly greater than 3, the condition is False, and the function returns the else branch, \`n + 1\`, which is \`3 + 1 = 4\`.
- \`f(4)\`: the condition is \`4 > 3\`, which is True, so it returns \`n * 2\`, which is \`4 * 2 = 8\`.

When you pass multiple arguments to \`print\`, it converts each one to a string and joins them with a single space by default (you can change this with the \`sep\` parameter). So the output is:

\`\`\`
4 8
\`\`\``,
      "4 and 8",
      "`(4, 8)`",
      "`6 8` — both 3 and 4 satisfy the condition, so both get doubled.",
      "`SyntaxError` — the ternary operator in Python is `?:`, so this line won't parse.",
      `You could rewrite this with an explicit if/else for readability:

\`\`\`python
def f(n):
    if n > 3:
        return n * 2
    return n + 1
\`\`\``,
    ],
  },
  {
    externalId: "closed-html-bold",
    text: "How do I make text bold in HTML?",
    openness: 0.25,
    responses: [
      `Wrap it in \`<strong>\` (when the text is important) or \`<b>\` (when you just want it to look bold):

\`\`\`html
<p>This is <strong>important</strong> and this is <b>just bold</b>.</p>
\`\`\`

If it's purely a design choice, you can also use CSS: \`font-weight: bold;\`.`,
      "Use the `<b>` tag: `<b>bold text</b>`. For text that's semantically important, `<strong>` is usually preferred.",
      `There are a few ways to make text bold in HTML, and which one you choose depends on *why* the text is bold.

**1. \`<strong>\` — for importance.** This is a semantic tag: it tells browsers and screen readers that the text is important, and browsers display it in bold by default.

\`\`\`html
<p><strong>Warning:</strong> this action cannot be undone.</p>
\`\`\`

**2. \`<b>\` — for visual bold without extra importance**, such as keywords in a summary or a product name.

\`\`\`html
<p>The <b>Alpine</b> model ships in March.</p>
\`\`\`

**3. CSS — for styling.** If bold is just part of the design, use \`font-weight\`:

\`\`\`html
<span style="font-weight: bold;">styled text</span>
\`\`\`

(In a real project you'd put that in a stylesheet rather than an inline style.)

One more thing: if the text comes from users, don't insert it into the page as raw HTML. Escape it first, otherwise someone could submit \`<b>bold</b> <script>alert(1)</script>\` and the script would run in every visitor's browser.`,
      "<b>. Or <strong>. Either works.",
      "Use `<strong>`. The `<b>` tag was removed in HTML5 and no longer works in modern browsers.",
      'Add `style="font-style: bold"` to the element.',
      "Use the bold tag: `<bold>Your text here</bold>`",
      "To make text bold in Microsoft Word, select it and press Ctrl+B (or Cmd+B on a Mac).",
    ],
  },
  {
    externalId: "closed-binary-search-complexity",
    text: "What's the time complexity of binary search on a sorted array?",
    openness: 0,
    responses: [
      "O(log n). Each comparison halves the remaining range, so it takes at most about log₂(n) + 1 comparisons.",
      "O(log n)",
      `Binary search has a time complexity of O(log n).

To explain: big-O notation describes how the running time of an algorithm grows as the input size n grows. Binary search works by comparing the target with the middle element of the array. If they match, you're done. If the target is smaller, you repeat the search on the left half; if it's larger, on the right half. Every step cuts the search space in half, so after k steps there are about n / 2^k elements left. The search ends when that reaches 1, which happens when k ≈ log₂ n.

Some additional details:
- Best case: O(1), if the middle element happens to be the target.
- Worst case: O(log n).
- Space complexity: O(1) for the iterative version, O(log n) for the recursive version because of the call stack.`,
      "Logarithmic.",
      "O(log n) on average, but O(n) in the worst case.",
      "O(n log n)",
      "O(n), because in the worst case you may have to check every element.",
      "Binary search requires the array to be sorted first. In Python you can sort a list with `sorted(arr)` or `arr.sort()`.",
    ],
  },
  {
    externalId: "closed-seconds-in-day",
    text: "How many seconds are in a day?",
    openness: 0,
    responses: [
      "86,400 (24 × 60 × 60).",
      "86,400 seconds.",
      `There are 86,400 seconds in a day. Here's how you get there: a day has 24 hours, each hour has 60 minutes, and each minute has 60 seconds. So 24 × 60 = 1,440 minutes, and 1,440 × 60 = 86,400 seconds.

A small footnote: in UTC, a leap second has occasionally been added to keep clocks in line with the Earth's rotation, so a handful of days have had 86,401 seconds. For everyday purposes, though, 86,400 is the number you want.`,
      "About 86,000.",
      "24 × 60 × 60 = 84,600 seconds.",
      "1,440",
      "3,600",
      "That depends on your time zone.",
    ],
    tiesAfter: [0],
  },
  {
    externalId: "closed-git-undo-commit",
    text: "What git command undoes my last commit but keeps the changes staged?",
    openness: 0.25,
    responses: [
      `\`git reset --soft HEAD~1\`

This moves the branch back one commit and leaves the changes from that commit in the staging area. (If you've already pushed the commit, prefer \`git revert\` rather than rewriting shared history.)`,
      `\`\`\`
git reset --soft HEAD~1
\`\`\``,
      "`git reset --soft HEAD^`",
      `You want \`git reset --soft HEAD~1\`. Here's some context on how \`git reset\` works, since it has three modes that are easy to mix up:

- \`--soft\`: moves the branch pointer back to the given commit. Your working directory and staging area are untouched, so everything from the undone commit stays staged. This is what you asked for.
- \`--mixed\` (the default if you don't pass a flag): moves the branch pointer and resets the staging area, but keeps your working directory. The changes are still in your files, just unstaged.
- \`--hard\`: moves the branch pointer and resets both the staging area and the working directory. The changes from the commit are discarded, so be careful with this one.

\`HEAD~1\` means "one commit before the current one". You could also write \`HEAD^\`.

Note that if you've already pushed the commit to a shared branch, resetting rewrites history, and anyone who pulled it will run into problems. In that case \`git revert HEAD\` is usually the safer choice, since it creates a new commit that undoes the changes instead.`,
      "`git reset HEAD~1`",
      "`git reset --hard HEAD~1`",
      "`git revert HEAD`",
      "Run `git undo last-commit`.",
    ],
    tiesAfter: [1],
  },
  // ---------------------------------------------------------------------------
  // Middle: a few good answers (openness 0.5)
  // ---------------------------------------------------------------------------

  {
    externalId: "mid-explain-recursion",
    text: "Explain recursion to a beginner.",
    openness: 0.5,
    responses: [
      `Recursion is when a function solves a problem by calling itself on a smaller version of the same problem.

Think of a set of Russian nesting dolls. To find the smallest doll, you open the outer one. Inside is another doll, so you do the same thing again: open it. You keep going until you reach a doll that doesn't open. That's where you stop.

Every recursive function needs two parts:

1. A base case: a situation simple enough to answer directly (the doll that doesn't open).
2. A recursive case: the function calls itself on a smaller piece of the problem (open this doll, then deal with the one inside).

Here's a countdown in Python:

\`\`\`python
def countdown(n):
    if n == 0:            # base case
        print("Liftoff!")
        return
    print(n)
    countdown(n - 1)      # recursive case: a smaller problem

countdown(3)
\`\`\`

This prints 3, 2, 1, then "Liftoff!". Each call handles one number and hands the rest to a new call with \`n - 1\`.

If you forget the base case, the function keeps calling itself until Python stops it with a \`RecursionError\`. So when you write a recursive function, ask yourself first: "When does it stop?"`,
      `Imagine you're standing in a long line and want to know your position, but you can't see the front. So you ask the person ahead of you, "What number are you?" They don't know either, so they ask the person ahead of them, and so on. The person at the very front knows they're number 1 — that's the base case. Then the answers travel back: "I'm 1", "then I'm 2", "then I'm 3"... until it reaches you.

That's recursion: answering a question by asking a slightly smaller version of the same question, until you hit one you can answer directly.`,
      "Recursion is when a function calls itself. To avoid running forever, it needs a base case — a condition where it stops calling itself and returns a value directly.",
      "Recursion is a technique in which a function's definition refers to itself. Formally, a recursive definition consists of one or more base cases and a set of rules that reduce all other cases toward the base cases, analogous to mathematical induction. At runtime, each invocation pushes a new activation record onto the call stack containing its parameters and local bindings; when a base case is reached, the stack unwinds and results propagate back to the callers. Some languages perform tail-call optimization, turning tail-recursive calls into jumps so stack usage stays constant. Recursion is closely related to structural induction over inductively defined data types such as lists and trees, and is the natural way to express divide-and-conquer algorithms like mergesort.",
      `To understand recursion, you first have to understand recursion.

(Basically, it's a function that calls itself.)`,
      `Recursion is basically another name for a loop. Any time code repeats, like in a \`for\` or \`while\` loop, that's recursion. For example:

\`\`\`python
for i in range(5):
    print(i)
\`\`\`

This is recursive because the print statement runs over and over.`,
      `Recursion is a function that calls itself. Here's a simple example:

\`\`\`python
def greet():
    print("Hello!")
    greet()
\`\`\`

Call \`greet()\` once and it will keep greeting you forever. That's the power of recursion!`,
      "A recession is a significant decline in economic activity that lasts more than a few months. It usually shows up in GDP, employment, income and retail sales. A common rule of thumb is two consecutive quarters of falling GDP, although economists look at a broader set of indicators.",
    ],
  },
  {
    externalId: "mid-summarize-heat-islands",
    text: `Summarize this paragraph in one sentence:

"Urban heat islands form when cities replace natural land cover with dense concentrations of pavement, buildings, and other surfaces that absorb and retain heat. This effect increases energy costs for air conditioning, raises air pollution levels, and contributes to heat-related illness and mortality. Strategies such as planting trees, installing green roofs, and using reflective or 'cool' pavements can reduce surface and air temperatures, and many cities have begun incorporating these measures into their climate plans."`,
    openness: 0.5,
    responses: [
      "Cities get hotter than their surroundings because pavement and buildings trap heat, which raises energy use, pollution and health risks, but trees, green roofs and reflective pavements can cool them down.",
      "Urban heat islands, caused by heat-absorbing pavement and buildings, drive up energy costs, pollution and heat-related illness, and cities are increasingly countering them with trees, green roofs and cool pavements.",
      "Replacing natural land with pavement and buildings makes cities hotter, which harms health and raises costs.",
      "Urban heat islands happen when cities replace natural land with pavement and buildings that hold heat. Cities can reduce the effect by planting trees and using green roofs and cool pavements.",
      "Urban heat islands form when cities replace natural land cover with dense concentrations of pavement, buildings and other heat-retaining surfaces, which increases energy costs for air conditioning, raises air pollution, and contributes to heat-related illness and mortality, while strategies such as trees, green roofs and reflective pavements can reduce temperatures and are being incorporated by many cities into their climate plans.",
      `Summary:
- Cities replace natural land with pavement and buildings
- These surfaces absorb and retain heat
- This raises energy costs and air pollution
- It contributes to heat-related illness
- Trees, green roofs and cool pavements can help`,
      "Urban heat islands are caused mainly by air pollution, so cities are planting trees to absorb it.",
      "This is a well-written paragraph! It clearly explains a problem and then offers solutions. To make it more persuasive, you might add a statistic about how much hotter cities are than rural areas.",
    ],
    tiesAfter: [0],
  },
  {
    externalId: "mid-study-plan-spanish",
    text: "How should I structure a weekly study plan for learning Spanish if I work full time?",
    openness: 0.5,
    responses: [
      `Aim for a repeatable week that survives busy days, not an ideal one. Something like:

Weekdays (20–30 min a day)
- 10 min of flashcards (Anki or similar). Spaced repetition does the heavy lifting for vocabulary.
- 10–20 min of one focused activity, rotating by day:
  - Mon: grammar (one topic, a few exercises)
  - Tue: listening (a podcast for learners)
  - Wed: speaking (read a short text aloud, or record yourself describing your day)
  - Thu: reading (graded readers or simple news)
  - Fri: light review, or skip it if the week was rough

Weekend (1–2 hours total)
- One conversation session with a tutor or a language-exchange partner, 30–60 min. This is the most valuable hour of your week.
- Something fun in Spanish: a show with Spanish subtitles, music, a cooking video.

Monthly
- Check yourself against a concrete goal ("order food and make small talk without switching to English", "follow a 10-minute podcast episode") and adjust.

A few tips for working full time: attach the daily session to something you already do (commute, lunch break, right after dinner), keep flashcards on your phone for dead time, and define a minimum version (5 minutes of cards) for days when you're exhausted. Consistency beats long sessions.`,
      `Consistency matters more than volume, so plan for something you can actually keep up:

- 20–30 minutes every weekday, at the same time (commute or lunch works well)
- Flashcards daily for vocabulary
- Alternate grammar, listening and reading across the week
- One longer weekend session that includes real conversation with a tutor or exchange partner
- A quick review every Sunday of what stuck and what didn't`,
      "Study about 30 minutes a day using an app, and on weekends watch a Spanish show with subtitles. Try to find someone to practice speaking with.",
      `Here's an intensive plan:

- Monday–Friday: 2 hours every evening (1 hour grammar, 30 min vocabulary, 30 min listening)
- Saturday: 3-hour immersion session
- Sunday: 2 hours of review plus a full practice test

If you follow this, you'll be conversational in about three months.`,
      "Learning a new language is an exciting and rewarding journey! Creating a study plan is a great first step. First, it's important to set clear goals for yourself. Next, make sure you stay motivated and consistent. Remember that everyone learns at their own pace, so don't be too hard on yourself. Use a variety of resources, practice regularly, and most importantly, have fun! With dedication and hard work, you'll be speaking Spanish in no time.",
      "Just use Duolingo every day. That's all you really need.",
      "Since you're tired after work, skip weekdays completely and do one big 6-hour session every Saturday. That way you get all your studying done at once.",
      "¡Claro! Para estructurar un plan de estudio semanal eficaz, te recomiendo dedicar entre veinte y treinta minutos diarios a actividades variadas: repaso de vocabulario con tarjetas, ejercicios de gramática, comprensión auditiva con pódcasts y lectura de textos sencillos. Los fines de semana, conviene practicar la conversación con un tutor o un compañero de intercambio.",
    ],
  },
  {
    externalId: "mid-polite-rewrite",
    text: 'Rewrite this to sound more polite but still firm: "Send me the report by Friday. You\'re already late."',
    openness: 0.5,
    responses: [
      "Hi, could you send me the report by Friday? It's already past the original deadline, so I need it by end of day Friday at the latest. Let me know if anything is holding it up.",
      "Could you please get the report to me by Friday? We've already passed the original deadline, so Friday is firm.",
      "Just a reminder that the report was due a while ago. Please send it over by Friday. Thanks!",
      "No worries at all if you're swamped! Whenever you get a chance, it would be amazing if you could maybe send over the report, ideally sometime around Friday if that works for you.",
      `Dear Colleague,

I hope this message finds you well. I am writing to kindly remind you that the report, which was due on the previously agreed-upon date, has not yet been received. I would be most grateful if you could arrange to submit the report at your earliest convenience, and in any event no later than this coming Friday.

Thank you in advance for your attention to this matter.

Kind regards`,
      "As I'm sure you're aware, the report is already late. Per my last email, please send it by Friday.",
      "Please send me the report by Friday. You're already late.",
      'Politeness is important in workplace communication. Some tips: use "please" and "thank you", avoid accusatory language, and focus on solutions rather than blame.',
    ],
    tiesAfter: [0],
  },
  {
    externalId: "mid-postgres-vs-mongodb",
    text: "When should I pick PostgreSQL over MongoDB for a new project?",
    openness: 0.5,
    responses: [
      `Pick PostgreSQL by default, and choose MongoDB when your data and access patterns genuinely fit a document model. More concretely:

PostgreSQL is the better fit when:
- Your data is relational (users, orders, invoices, permissions) and you'll need joins across it.
- You need multi-row transactions and strong constraints (foreign keys, unique and check constraints) to keep data correct.
- You expect ad-hoc queries and reporting later; SQL is hard to beat there.
- You also want some schema flexibility: \`jsonb\` columns with GIN indexes cover many "we might add fields later" cases.

MongoDB can be the better fit when:
- Your data is naturally self-contained documents that you read and write as a whole (product catalogs with widely varying attributes, event payloads, content).
- You rarely need joins across collections.
- You need built-in horizontal sharding early, and your team knows how to model for it.
- Your team already has deep MongoDB experience. That matters more than most benchmarks.

Both are mature, and MongoDB has supported multi-document ACID transactions since version 4.0, so that alone isn't a deciding factor anymore. If you're unsure, start with PostgreSQL: it's easier to add a document store later for one specific use case than to retrofit relational integrity onto a document database.`,
      `Default to PostgreSQL unless you have a specific reason not to. It's the better choice when:

- your data has relationships you'll query across (joins)
- correctness matters: constraints, foreign keys, transactions
- you'll want reporting or analytics later

MongoDB shines when your data is document-shaped, varies a lot between records, and is read and written as a whole. Postgres's \`jsonb\` covers a surprising amount of that too.`,
      "Pick Postgres when you need ACID transactions. Pick MongoDB when you need to scale.",
      "Use PostgreSQL if you need transactions, since MongoDB doesn't support them. If your app can live without transactions, MongoDB is usually faster and easier.",
      "Both PostgreSQL and MongoDB are powerful, widely used databases, each with its own strengths and weaknesses. The best choice ultimately depends on your specific use case, your requirements, your team's expertise, and your long-term goals. It's important to carefully evaluate your needs before making a decision. Consider factors such as data structure, scalability, performance, and community support.",
      "Always go with MongoDB. SQL is outdated, and schemas just slow you down.",
      "PostgreSQL can't store JSON, so only pick it if your data fits into simple flat tables.",
      "MySQL is a good choice for web applications with heavy read traffic, while SQLite is ideal for embedded or single-user applications because it runs in-process without a server.",
    ],
  },
  {
    externalId: "mid-explain-inflation",
    text: "Explain inflation in two or three sentences for a high-school student.",
    openness: 0.5,
    responses: [
      "Inflation is when prices for most things rise over time, so the same amount of money buys less than it used to. For example, with 3% inflation a $10 lunch would cost about $10.30 a year later. A little inflation is normal, but when it's high, savings lose value quickly and paychecks may not keep up.",
      "Inflation means your money slowly loses purchasing power: when prices rise across the whole economy, each dollar buys a bit less. It often happens when people want to buy more than the economy can produce, or when big costs like energy go up.",
      "Inflation is the general rise in prices over time.",
      "Inflation is the rate at which the general price level rises, usually measured by the Consumer Price Index (CPI). Central banks typically target an inflation rate of around 2% and use tools such as interest rates and open-market operations to manage it. Inflation can be demand-pull, when aggregate demand outpaces supply, or cost-push, when production costs rise. The Phillips curve describes a historical short-run trade-off between inflation and unemployment, though that relationship has weakened. Expectations also matter: if people expect prices to rise, they demand higher wages, which can make inflation self-reinforcing. Hyperinflation is an extreme case where prices rise uncontrollably.",
      "Great question! Imagine you have a piggy bank with $5 in it, and your favorite candy bar costs $1. You could buy five candy bars! But a year later, the candy bar costs $1.25. Now you can only buy four candy bars with the same $5. Oh no! That's inflation! Prices go up and your money doesn't go as far. Isn't economics fun?",
      "Inflation is when the price of one product goes up, like when gas gets more expensive.",
      "Inflation is when the government prints more money, which makes prices go down because there's more money available.",
      "Inflation is when you fill something with air or gas so it expands, like a balloon or a bike tire.",
    ],
    tiesAfter: [0],
  },
  {
    externalId: "mid-commit-message",
    text: `Write a commit message for this change:

\`\`\`diff
-    if (user.age > 18) {
+    if (user.age >= 18) {
       allowSignup(user);
     }
\`\`\``,
    openness: 0.5,
    responses: [
      `Allow signup for users who are exactly 18

The age check used \`>\` so 18-year-olds were rejected. Use \`>=\` to match the minimum-age requirement.`,
      "Fix off-by-one in signup age check (allow age 18)",
      "fix: include 18-year-olds in signup age check",
      "Change > to >= in age check",
      `## Summary

This commit updates the age verification logic in the signup flow.

## Motivation

Previously, the condition \`user.age > 18\` excluded users who were exactly 18 years old. This was inconsistent with the intended business requirement that users aged 18 and over should be permitted to sign up.

## Changes

- Updated the comparison operator from \`>\` to \`>=\` in the signup age check.

## Testing

- Verified that users aged 17 are rejected.
- Verified that users aged 18 are accepted.
- Verified that users aged 19 are accepted.

## Impact

Low risk. This change affects only the boundary condition.`,
      "Restrict signup to users older than 18",
      "This change modifies the condition so that users who are 18 can now sign up, where before they were rejected. You should also add a unit test for the boundary case.",
      "update code",
    ],
    tiesAfter: [1],
  },
  {
    externalId: "mid-translate-idiom-french",
    text: 'How would I say "it\'s raining cats and dogs" in French so it sounds natural?',
    openness: 0.5,
    responses: [
      "The natural equivalent is « Il pleut des cordes » (literally \"it's raining ropes\"). You'll also hear « Il pleut à verse ». There's a cruder one, « Il pleut comme vache qui pisse », which is fine among friends but not at work.",
      "« Il pleut des cordes » or « Il pleut à verse ».",
      "« Il pleut des cordes. »",
      'Idioms rarely translate word for word, because they depend on cultural images that differ between languages. The English expression "it\'s raining cats and dogs" has an uncertain origin, and a French speaker would find a literal translation confusing. Instead, you should look for an expression that conveys the same meaning, which is heavy rain. In French, the most common idiomatic equivalent is « Il pleut des cordes », which literally means "it\'s raining ropes", evoking the image of rain falling in thick, continuous lines. This expression is widely understood and suitable for most contexts.',
      "« Il pleut beaucoup. »",
      "« Il pleut. »",
      "« Il pleut des chats et des chiens. »",
      "« Está lloviendo a cántaros. »",
    ],
    tiesAfter: [1],
  },
  // ---------------------------------------------------------------------------
  // Open prompts: many good answers (0.75) or many equally good answers (1)
  // ---------------------------------------------------------------------------

  {
    externalId: "open-poem-autumn",
    text: "Write a short poem about autumn, no more than eight lines.",
    openness: 1,
    responses: [
      `The maple spends its savings all at once,
a reckless red against a careful sky.
The garden folds its chairs; the porch light hunts
for moths that left without a last goodbye.
I rake the lawn in neat, determined rows —
the wind, unhurried, redistributes those.`,
      `Cold mornings fog the kitchen glass,
the kettle hums its one low note;
outside, the geese in ragged lines
stitch south, and I reach for my coat.`,
      `Leaves of orange, red and gold
drift down as days grow cold.
Pumpkins glow and breezes sigh,
autumn whispers its goodbye.`,
      `Autumn is here.
The leaves are falling.
The air is cool.
I drink warm cider and watch the trees change.`,
      `When summer fades and days grow short,
the autumn winds begin to sport,
they toss the leaves of red and brown
and scatter them across the town.

The squirrels gather nuts with care,
a gentle chill is in the air,
the farmers bring the harvest in,
and cozy evenings now begin.

The geese fly south in perfect V,
the sun sets early, fiery,
and as the year begins to end,
we welcome autumn like a friend.`,
      "Autumn is a season of change, when the leaves turn vibrant shades of red, orange and yellow and the air becomes crisp and cool. It's a time for cozy sweaters, warm drinks and harvest festivals, reminding us of the beauty of transition.",
      `Blossoms open on the bough,
the robins sing, the fields are green,
the world wakes up and stretches now,
the softest season ever seen.`,
      "As an AI, I don't experience the seasons myself, but here are some facts about autumn: it begins around the September equinox in the Northern Hemisphere, leaves change color as chlorophyll breaks down, and many animals prepare for winter during this time.",
    ],
    tiesAfter: [0],
  },
  {
    externalId: "open-story-lighthouse",
    text: "Write the opening paragraph of a story set in a lighthouse.",
    openness: 1,
    responses: [
      "The light had not failed in ninety-one years, and Mara Elkin did not intend to be the keeper who broke the streak. So when the lamp stuttered at 2:14 on a Tuesday morning — one long beam, then nothing, then a sick orange flicker — she was halfway up the iron stairs before she'd finished pulling on her boots. Below her, the sea went on doing what it always did in November, throwing itself at the rocks as if it had been personally insulted. Above her, something in the lantern room was humming a tune she almost recognized.",
      'Every evening at dusk, my grandfather climbed the hundred and twelve steps of the Carrow Point light, and every evening I counted them with him, out loud, until the night he stopped at ninety-eight, caught his breath, and said, "That\'s far enough for me. You do the rest."',
      "The storm came in fast that night. Thomas watched the waves crash against the rocks below the lighthouse, the beam sweeping across the black water. He had been the keeper for twenty years, but he had never seen a sea like this one.",
      "It was a dark and stormy night. The old lighthouse stood tall and proud on the cliff, its light shining out across the angry sea. Inside, the lonely keeper sat by the fire, unaware that his life was about to change forever.",
      `The lighthouse on Gull Rock had been empty for three years when Elena arrived with two suitcases and a letter from the harbor authority. The keeper's cottage smelled of salt and old paint, and the stairs to the lamp groaned under her feet.

The first week was quiet. She cleaned the lens, logged the weather and watched the fishing boats come and go. The second week, she found the logbook.

It was hidden behind a loose board under the bed, bound in cracked leather. The last entry was dated the night the previous keeper disappeared. It said only: "The light is answering."

That night, Elena climbed to the lamp room at midnight and waited. At 12:40, far out on the water, another light blinked back.

She ran down the stairs, grabbed the radio and called the harbor. No one answered. And when she looked out of the window again, the second light was much, much closer.`,
      "The story begins with a lonely lighthouse keeper who discovers a mysterious message in a bottle. Over the course of the story, he must decide whether to leave the lighthouse to find the person who wrote it, confronting his fears and his past along the way.",
      `Here is an opening paragraph for your story set in a lighthouse. I have tried to make it atmospheric and engaging:

The lighthouse was tall. It was white. The keeper lived there. One day, something happened that would change everything.

I hope this helps! Feel free to ask me to make any changes.`,
      "Lighthouses are towers designed to emit light to guide ships at sea. The most famous ancient example is the Pharos of Alexandria, built in the 3rd century BC. Today, most lighthouses are automated.",
    ],
  },
  {
    externalId: "open-name-bakery",
    text: "Suggest a few names for a small neighborhood bakery that specializes in sourdough.",
    openness: 1,
    responses: [
      `- Rise & Rye: short, easy to say, and hints at the bread
- The Starter Club: nods to the sourdough starter and gives a neighborhood, regulars-welcome feel
- Crumb & Crust
- Slow Loaf: signals long fermentation, and it's a little playful
- Corner Culture: sourdough is a living culture, and you're the bakery on the corner`,
      "Wild Yeast Bakehouse, Mother Dough, Levain Lane, The Daily Rise, Sour & Sweet",
      "The Sour Spot, Knead to Know, Loaf Story",
      "Sourdough Bakery, The Bread Shop, Fresh Bread Co., Neighborhood Bakery",
      `Here are 30 name ideas for your bakery:

1. Rise Up Bakery
2. The Bread Box
3. Golden Crust
4. Sourdough Central
5. The Loaf
6. Bread & Butter
7. Daily Bread
8. Crusty's
9. The Rolling Pin
10. Flour Power
11. Oven Fresh
12. The Bake House
13. Yeast Mode
14. Dough Re Mi
15. Sweet Rise
16. Bread Winner
17. The Proof
18. Bun Intended
19. Hearth & Home
20. The Crumb
21. Main Street Bakery
22. Knead Bread
23. The Bread Company
24. Sourdough & Co.
25. Warm Loaf
26. The Bakery
27. Grain & Co.
28. Breadly
29. Dough Nation
30. Best Bread

I hope one of these names works for your new business!`,
      "Le Petit Croissant Pâtisserie, Cupcake Dreams, Sugar Rush Sweets",
      "Go with something proven, like Panera or Le Pain Quotidien — customers already recognize those names.",
      "Choosing a bakery name is an important decision. Consider your target audience, your brand identity and the atmosphere you want to create. Make sure the name is easy to remember and spell, and check that it's available as a domain and on social media before you commit.",
    ],
    tiesAfter: [0],
  },
  {
    externalId: "open-name-cat",
    text: "I just adopted a gray cat with one white paw. Any name ideas?",
    openness: 1,
    responses: [
      `A few that play on the look:

- Mitten (singular, since there's only one)
- Ash, Pebble, Smudge or Dove for the gray
- Earl Grey, Miso or Sesame if you like food names

Mitten is my favorite: it's cute, and the joke gets funnier every time someone notices the other three paws.`,
      'Earl Grey, Smokey, Slate, Pebble, or Boots — though with only one white paw, "Boot" might be funnier.',
      "Gray-inspired: Graphite, Nimbus, Cinder, Pewter. Paw-inspired: Patch, Dipper, Sock.",
      "How about Luna, Shadow or Misty?",
      "Abby, Bella, Charlie, Daisy, Ella, Felix, George, Hazel, Iris, Jasper, Kiki, Leo, Milo, Nala, Oliver, Penny, Quinn, Rosie, Simba, Toby, Ursula, Violet, Willow, Xena, Yoshi, Zoe.",
      "Ginger, Tiger or Snowball!",
      "Congratulations on your new family member! Adopting a cat is a big responsibility. Make sure you have a litter box, scratching post, high-quality food and fresh water, and schedule a vet check-up within the first week. Cats can take a few weeks to adjust to a new home, so give them a quiet space to retreat to. As for names, you could call your cat Smokey.",
      "I'd need to see a photo of your cat before I can suggest a good name. Could you upload one?",
    ],
    tiesAfter: [0],
  },
  {
    externalId: "open-name-chore-startup",
    text: "Name ideas for a startup app that helps roommates and families split household chores fairly.",
    openness: 1,
    responses: [
      `- Fairshare
- Choreo (chore + choreography: everyone has a part)
- Tidy Split
- Rota
- Even Steven

Worth checking which ones have a free domain and app-store name before you get attached.`,
      "Choreo, TaskNest, SplitShift, DoneTogether, HomeLoop",
      "ChoreWheel, ChoreMate, ChoreBuddy, ChoreShare",
      "Household Chore Fair Distribution Manager, RoommateTaskSplitterPro, FamilyChoreAllocationHub",
      "ChoreAI, BlockChores, SynergyHome, QuantumClean",
      "Naming a startup is one of the most important branding decisions you'll make. A great name should be memorable, easy to spell, and reflect your mission and values. It should also work well internationally and be available as a domain. With all that in mind, two options: ChoreShare and HomeHelper.",
      "BillSplit, RentPal, PayShare, SplitTab",
      "I can't suggest names, because any name I come up with might already be trademarked.",
    ],
  },
  {
    externalId: "open-gift-dad-gardening-jazz",
    text: "Gift ideas under $50 for my dad, who loves gardening and jazz?",
    openness: 0.75,
    responses: [
      `Some that hit one or both interests:

- A weatherproof Bluetooth speaker for the garden, so he can listen to jazz while he works ($30–50)
- A vinyl or CD reissue of a classic jazz album he doesn't own yet (around $25–35) — check his shelf first
- A quality pair of bypass pruners or a hori-hori garden knife ($25–45)
- An heirloom seed collection, maybe vegetables he hasn't tried growing ($15–25)
- A padded garden kneeler or knee pads ($20–35)
- A book on jazz history or a biography of a musician he loves ($15–30)

If you want one combined gift: the garden speaker plus a playlist you put together for him.`,
      "Garden gloves, a jazz record, a nice potted plant or herb kit, or a gardening book.",
      `- Pruning shears
- Heirloom seeds
- A garden kneeler
- A new watering can`,
      "Finding the perfect gift for a parent can be challenging, but it's also an opportunity to show how much you care. The best gifts reflect the recipient's passions and personality. Since your dad enjoys gardening and jazz, you might consider combining these interests. Think about what he already owns and what might make his hobbies more enjoyable. It's also worth remembering that thoughtful, personal gifts are often appreciated more than expensive ones. A few ideas: a gardening book, a jazz CD, or some nice gloves.",
      `- A backyard greenhouse kit ($300)
- A vintage turntable ($400)
- Tickets to a jazz festival ($150+)`,
      "A gift card, socks, a mug or a nice tie.",
      "Buy him a plant.",
      "Jazz originated in New Orleans in the late 19th and early 20th centuries, blending blues, ragtime and brass-band traditions.",
    ],
  },
  {
    externalId: "open-roommate-late-rent",
    text: "My roommate is also a close friend, and they've paid rent late three months in a row. How do I bring it up without hurting the friendship?",
    openness: 0.75,
    responses: [
      `A few things make this conversation go much better:

Pick the moment. Bring it up in private when neither of you is rushed or already annoyed — not on the day rent is due, and not by text if you can avoid it.

Lead with the friendship, then be specific. Vague complaints ("you're always late") put people on the defensive; facts don't. Something like:

"Hey, can I talk to you about something a bit awkward? I really like living with you and I don't want this to turn into a thing between us. The last three months, rent came in after the first, and I've had to cover the gap. It's been stressing me out."

Ask, then listen. Follow with "Is everything okay? Is the timing hard for some reason?" There may be a reason: a payday that doesn't line up with the 1st, or a money problem they're embarrassed about.

Agree on a concrete fix. For example, they transfer their share to you on the 28th, set up an automatic payment, or you both add a shared reminder. If their payday is the issue, the landlord might accept a later due date.

Agree on what happens next time. "If it's going to be late, can you give me a heads-up a few days ahead?" is a fair ask.

Keep your tone calm and assume good faith. Most people are relieved when a friend raises something directly instead of letting resentment build.`,
      `Talk in person, keep it about the facts and how it affects you, and ask rather than accuse. For example:

"Hey, the rent's been late the last few months and I've had to cover it, which puts me in a tight spot. Is something going on? Can we figure out a system so it's in by the 1st?"

Then agree on something concrete, like an automatic transfer a few days before rent is due.`,
      "Be honest but kind. Tell them how it's affecting you and ask if everything is okay.",
      'You could try dropping hints, like leaving a note on the fridge that says "Rent due on the 1st!" That way you don\'t have to have an awkward conversation.',
      "Communication is key in any relationship, especially when living together. It's important to approach the situation with empathy and understanding. Try to see things from your roommate's perspective, and express your feelings honestly. Remember that every situation is different, and what works for one person may not work for another. Ultimately, open and respectful communication is the foundation of any healthy friendship.",
      "Send them a formal written notice that late payments will no longer be tolerated, and make it clear that you'll involve the landlord or file in small claims court if it happens again.",
      "Just tell them straight: pay on time or find somewhere else to live.",
      "A fair way to split rent is by room size: measure each bedroom, add a share of the common areas, and divide the total rent in proportion to each person's square footage.",
    ],
  },
  {
    externalId: "open-slogan-bike-shop",
    text: "Write a slogan for a neighborhood bike repair shop.",
    openness: 1,
    responses: [
      "Every bike has another ride in it.",
      "Roll in rattling. Ride out quiet.",
      `A few options:

1. Keep on rolling.
2. Your bike's best friend.
3. Fix it. Ride it. Love it.
4. We've got your back wheel.
5. Pedal-powered service.`,
      "Quality bike repair you can trust.",
      "At our neighborhood bike repair shop, we are committed to providing high-quality repairs, friendly service and fair prices, so that you can get back to enjoying your ride as quickly as possible.",
      "We'll make your bike feel wheel-y good — tire-rific, spoke-tacular and chain-tastic!",
      "Drive with confidence — your car is in good hands.",
      "A good slogan should be short, memorable and reflect your brand's values. Think about what makes your shop unique, and try to capture that in a few words.",
    ],
    tiesAfter: [0],
  },
  {
    externalId: "open-virtual-offsite",
    text: "Brainstorm activities for a half-day virtual offsite for a 12-person remote engineering team.",
    openness: 0.75,
    responses: [
      `Here's a mix to pick from, plus a sample schedule.

Work-adjacent (but fun)
- Lightning talks: 5 minutes on anything — a tool someone loves, a bug war story, a hobby. Ask for volunteers a week ahead.
- Year-in-review retro: a shared board with "proud of / frustrated by / want to try". Vote on the top three to act on.
- Mini hack hour: pairs pick a small annoyance in the codebase or tooling and fix it in 60 minutes, then demo.
- Architecture Pictionary: one person draws part of your system from memory, the others guess. Surprisingly revealing.

Social
- Online party games that work for 12: Gartic Phone, Codenames, or a custom trivia round about the team.
- Desk show-and-tell: everyone shows one object from their workspace and its story.
- Send a small snack budget or delivery box beforehand so the break feels shared.

Sample schedule (4 hours)
- 0:00  Welcome and check-in round (15 min)
- 0:15  Lightning talks (45 min)
- 1:00  Break (15 min)
- 1:15  Retro (45 min)
- 2:00  Break (15 min)
- 2:15  Mini hack (60 min)
- 3:15  Demos and games (40 min)
- 3:55  Close: one takeaway from each person

Tips: make cameras optional during breaks, use breakout rooms of 3–4 for anything discussion-heavy, and end on time.`,
      `- Lightning talks from volunteers
- A team retro on the past quarter
- Pair up for a one-hour mini hackathon
- Online games: Codenames, Gartic Phone, trivia
- Show-and-tell of everyone's desk setup
- A "future of the team" brainstorm in breakout rooms
- Shared snack delivery for the break
- Closing round: one thing everyone is grateful for`,
      "Trivia, icebreakers, a virtual escape room and a happy hour at the end.",
      "Start with a 90-minute presentation from leadership on company strategy, followed by a 60-minute Q&A, then a 90-minute session reviewing next quarter's roadmap in detail.",
      "Virtual offsites are a great way to boost team morale and strengthen connections among remote employees. Team building is more important than ever in today's distributed work environment. When planning your offsite, consider your team's goals and preferences. Activities could include team-building exercises and some fun games. Don't forget to gather feedback afterwards!",
      "Go-karting, an escape room at a local venue, and a team dinner at a nice restaurant.",
      "Plan a keynote address, a sponsor expo hall, three parallel breakout tracks and a networking reception.",
      'To create breakout rooms in Zoom, click "Breakout Rooms" in the meeting controls, choose the number of rooms, and select whether to assign participants automatically or manually. Click "Open All Rooms" to start.',
    ],
  },
  {
    externalId: "open-haiku-coffee",
    text: "Write a haiku about morning coffee.",
    openness: 1,
    responses: [
      `Steam lifts from the cup —
the whole house still asleep but
me and the kettle.`,
      `Bitter, black and warm:
the first sip knows who I am
long before I do.`,
      `Morning coffee brew,
warm and dark inside my mug.
Now I am awake.`,
      `Here are a couple of options for you!

Dark roast in the pot,
the dog waits by the back door,
light comes through the blinds.

Cream swirls into black,
a small galaxy turning,
then I stir it gone.

A haiku is a traditional Japanese poem with three lines of 5, 7 and 5 syllables, often focused on nature or a moment in time. Let me know if you'd like more!`,
      `The smell of coffee drifting through the kitchen,
sunlight on the table,
a new day begins.`,
      `I love my coffee in the morning light,
it makes my day feel warm and bright.`,
      `Green tea leaves unfold
in the quiet of the dawn,
a calm, gentle start.`,
      "Coffee contains caffeine, a natural stimulant that blocks adenosine receptors in the brain, which is why it helps you feel more alert in the morning.",
    ],
    tiesAfter: [0],
  },
  {
    externalId: "open-birthday-coworker",
    text: "Write a short birthday message for a coworker I don't know very well.",
    openness: 0.75,
    responses: [
      `A few options depending on tone:

- Simple: "Happy birthday! Hope you have a great day."
- Warm: "Happy birthday! Hope you get to do something you enjoy today, and that the year ahead treats you well."
- Light: "Happy birthday! Hope there's cake involved."`,
      "Happy birthday! Hope you get to do something you enjoy today, and that the rest of the year treats you well.",
      "Happy birthday! Wishing you a relaxing day and a great year ahead.",
      "Happy Birthday!!! Have the BEST day ever, you totally deserve it!!!",
      "Happy birthday! On this special day, I want to take a moment to wish you all the joy, happiness and success in the world. May this year bring you exciting new opportunities, wonderful memories with the people you love, and everything your heart desires. You are such an important part of our team, and we are so lucky to have you. Enjoy every moment of your special day — you deserve it!",
      "Happy birthday! I feel like we've grown really close this year, and you mean so much to me.",
      "Happy birthday! Don't worry, you don't look a day over 50!",
      "Birthday messages for coworkers should be professional and friendly. Avoid overly personal comments or jokes about age, and keep it short.",
    ],
    tiesAfter: [1],
  },
  {
    externalId: "open-dinner-chickpeas",
    text: "What should I cook for dinner tonight? I have chickpeas, spinach, rice, a lemon, and the usual pantry stuff.",
    openness: 0.75,
    responses: [
      `With those I'd make a lemony chickpea and spinach stew over rice. About 30 minutes, mostly hands-off.

1. Start the rice.
2. In a pan, soften a chopped onion in olive oil for 5–6 minutes. Add 2–3 cloves of garlic, 1 tsp cumin and 1 tsp paprika (smoked if you have it) and stir for a minute.
3. Add a drained can of chickpeas and a cup of stock or water. If you have canned tomatoes, add half a can. Simmer for 10 minutes, mashing a few chickpeas to thicken it.
4. Stir in a few big handfuls of spinach until it wilts.
5. Off the heat, add the zest of half the lemon and the juice of the whole lemon. Season with salt and pepper.

Serve over the rice. A spoonful of yogurt or a drizzle of olive oil on top is nice if you have it, and leftovers are even better the next day.`,
      `A few options:

- Chickpea and spinach curry over rice (onion, garlic, curry powder, a tin of tomatoes or coconut milk if you have one)
- Crispy chickpea rice bowls: roast the chickpeas with oil and spices, sauté the spinach with garlic, finish with lemon
- Lemon rice with garlicky spinach and chickpeas stirred through`,
      "Make a chickpea and spinach curry and serve it over rice, with a squeeze of lemon on top.",
      "Try a Greek chickpea salad: chickpeas, cucumber, cherry tomatoes, red onion, feta and olives, dressed with lemon and olive oil.",
      "Homemade falafel! Soak dried chickpeas overnight, then blend them with herbs, onion and garlic, shape into balls and deep-fry. Serve with rice and a lemon-tahini sauce.",
      "You could make pasta, a stir-fry or a salad.",
      "Chickpeas are an excellent source of plant-based protein and fiber, and they are rich in folate, iron and magnesium. Spinach is packed with vitamins A and K, while lemons provide vitamin C, which helps your body absorb the iron in plant foods. Rice is a good source of energy. Together, these ingredients make a very nutritious combination. You could combine them in a dish.",
      "On a busy weeknight, ordering takeout can be a good way to save time. Many delivery apps offer discounts for first-time users.",
    ],
  },
  {
    externalId: "open-rainy-weekend-kids",
    text: "Ideas for a rainy weekend at home with two kids, ages 6 and 9?",
    openness: 0.75,
    responses: [
      `- Blanket fort, then reading or audiobooks inside it with flashlights.
- Indoor scavenger hunt: the 9-year-old writes or draws the clues and the 6-year-old solves them, then they swap.
- Kitchen science: a baking-soda volcano, or a density tower with honey, dish soap, water and oil.
- Bake something they can decorate (cookies or pizza), with the older one reading the recipe.
- Cardboard marble run: tape tubes and boxes to a wall or stairs and race marbles.
- Puppet show with socks and a table turned on its side, with tickets and an intermission.
- Board-game tournament with a homemade trophy.
- If it's just drizzle: rain boots and a puddle walk, then hot chocolate.`,
      "Build a fort, bake cookies, do a scavenger hunt, have a board-game afternoon, and put on a family movie night with homemade popcorn.",
      "A movie marathon, video games, and maybe some YouTube videos.",
      "Sensory bins with rice and scoops, stacking blocks, finger painting, and a game of peekaboo.",
      "Turn the living room into a home planetarium with a star projector (around $200), build a full-size cardboard castle, or set up an indoor climbing wall.",
      "Rainy days can be a wonderful opportunity for family bonding and creativity. It's important to keep kids engaged and active, even when they're stuck indoors. Think about your children's interests and plan activities accordingly. With a little creativity, a rainy weekend can become a memorable adventure!",
      "Send them outside anyway. Kids don't mind the rain.",
      "Rain forms when water vapor in clouds condenses into droplets that become heavy enough to fall. Weekend forecasts are usually most reliable two to three days ahead.",
    ],
  },
  {
    externalId: "open-limerick-forgot-save",
    text: "Write a limerick about a programmer who forgets to save.",
    openness: 1,
    responses: [
      `There once was a dev named McBride
who coded all night with great pride.
When the screen went to black
there was no going back —
the save button sat there, untried.`,
      `At midnight a coder named Dave
wrote code that would make the team rave.
When the window asked, "Quit?"
he said, "Sure, I'm done with it,"
then cheerfully clicked on "Don't Save."`,
      `There was a programmer named Sue
who wrote code all day long, it's true.
She forgot to save,
her computer did cave,
and now she has nothing to do.`,
      `A programmer typed all day
and then the power went away.
He forgot to save.
Now he is sad.`,
      `The Ballad of the Unsaved File

He sat at his desk in the morning light,
his coffee was hot and his code was tight,
he typed and he typed till the sun went down,
the finest programmer in all the town.

But he never once pressed Control and S,
he trusted his luck, as you might guess,
and when the storm knocked the power out,
his work was gone without a doubt.

So heed this tale, all you who code:
save early, save often, lighten your load.`,
      `A coder who worked in the night
found a bug that was hidden from sight.
He searched high and low,
through the code, row by row,
and at dawn he had finally got it right.`,
      "Once upon a time, there was a programmer who worked very hard on a project. He wrote thousands of lines of code but forgot to save his work. When his computer crashed, he lost everything. The moral of the story is to always use version control and save your work often.",
      "Tip: you can turn on autosave in VS Code with File > Auto Save, so you never lose work again.",
    ],
  },
  {
    externalId: "open-product-description-mug",
    text: "Write a short product description for a handmade ceramic mug (speckled glaze, holds 12 oz, dishwasher safe) for my online shop.",
    openness: 0.75,
    responses: [
      "Thrown by hand and finished in a speckled glaze, this mug is made for slow mornings. It holds a generous 12 oz, sits comfortably in both hands, and goes straight into the dishwasher when you're done. Because every piece is made individually, the speckling and shape vary slightly, so yours will be one of a kind.",
      `Everyday coffee, made by hand.

- Speckled glaze, no two alike
- Holds 12 oz
- Dishwasher safe`,
      "This handmade ceramic mug features a speckled glaze and holds 12 oz. It is dishwasher safe. Perfect for coffee or tea.",
      "Our handmade speckled mug holds 12 oz and is dishwasher safe, microwave safe and certified lead-free. Made from locally sourced clay, its double-walled design keeps drinks hot for hours.",
      "Behold the vessel of your dreams! Lovingly birthed from the ancient earth by the hands of a true artisan, this magnificent mug shimmers with a constellation of speckles, each one a tiny star in the galaxy of your morning ritual. Cradle it in your palms and feel the whisper of centuries of craftsmanship. It holds 12 ounces of pure possibility. And yes, it is dishwasher safe, because even poetry must be practical.",
      "This handmade ceramic mug has a speckled glaze and holds 16 oz. Hand wash only to preserve the glaze.",
      "Handmade ceramic mug, ceramic coffee mug, handmade mug, speckled mug, pottery mug, gift mug, coffee cup, tea mug, 12 oz mug, dishwasher safe mug, best mug, handmade gift.",
      "Good product photos matter more than the description. Use natural light, a neutral background, and show the mug from several angles, including one with a hand holding it for scale.",
    ],
  },
  {
    externalId: "open-best-man-toast",
    text: "Help me open a best-man toast for my brother. He's really into rock climbing, and the couple met at a climbing gym.",
    openness: 0.75,
    responses: [
      `Here's an opening you can adapt:

"Good evening, everyone. For those who don't know me, I'm [your name], [groom]'s younger brother — which means I've spent most of my life watching him climb things he was told not to. Our parents' garage roof. The school fence. The bookshelf, once, at age six, with predictable results. So it makes perfect sense that he'd meet the love of his life halfway up a wall at the climbing gym. [Partner], I'm told you were on the harder route. That tracks."

From there you can turn to something sincere about how they are together.`,
      `"Hi everyone, I'm [name], the groom's brother. [Groom] has always gone looking for the hardest route up anything. Turns out the best thing he ever found was at the bottom of one, holding the rope."

Tip: keep any climbing references simple enough that non-climbers get them.`,
      '"They say love is like climbing a mountain. There are ups and downs, but if you hold on tight and trust your partner, you\'ll reach the top together."',
      `Good evening, everyone! For those of you who don't know me, I'm the best man and the groom's brother. First of all, I'd like to thank everyone for being here today to celebrate this wonderful couple. I'd also like to thank both families for organizing such a beautiful wedding.

I've known my brother his whole life, and I can honestly say he's one of the best people I know. He's kind, he's funny and he's always there when you need him. When he met his partner, I knew right away that something was different. They make each other better, and it's amazing to see them together.

Marriage is a journey, and like any journey it has challenges. But I know these two will face them together, with love and laughter. So please raise your glasses to the happy couple. Cheers!`,
      "\"When my brother first told me he'd met someone while projecting a V6 crimp line, I thought, finally, someone who gets his beta. Since then they've been sending everything together, no dyno required. Today, they're officially on belay for life!\"",
      '"Marriage is a beautiful journey of two souls becoming one. Love is patient, love is kind, and today we celebrate the union of two wonderful people who have found each other."',
      '"I have to say, [Partner] is a huge upgrade from his last girlfriend, who I think we were all glad to see go."',
      "Public speaking tips: practice your toast out loud several times, keep it under five minutes, speak slowly, and make eye contact with the audience.",
    ],
  },
  {
    externalId: "open-fantasy-city-names",
    text: "Give me five names for a fantasy city built inside a giant tree.",
    openness: 1,
    responses: [
      `1. Heartwood: the city in the tree's living core
2. Lanthorn Bough
3. Ysmere Hollow
4. The Ringward: each district is a growth ring
5. Canopy's Rest`,
      "Eldergrove, Sapwell, Thornmere, Vyrlaith, Rootspire",
      "Heartwood, Canopy, Rootholm",
      "Treeton, Leafville, Barkburg, Branchford, Acorn City",
      `1. Sylvareth: Founded by the first elves who sang the seed into being, Sylvareth spirals up the inside of the trunk in seven tiers, each ruled by a different council.
2. Aldermoor: A merchant city in the lower roots, where sap is traded as currency and the markets never close.
3. Verdanthal: The royal seat, carved into the largest knot of the tree, home to the Emerald Throne.
4. Mossgate: The outer district where travelers must pass through a living gate of roots that only opens for those with pure intentions.
5. Lumenleaf: The highest city, bathed in light filtering through the canopy, where the astronomers and mages live.
6. Thornhallow: A hidden quarter for outcasts and thieves, accessible only through abandoned beetle tunnels.
7. Cindervein: A ruined district scarred by an ancient fire, now slowly being reclaimed by new growth.`,
      "Lothlórien, Hometree, Kashyyyk, Yggdrasil, Rivendell",
      "Xyth'qkaal, Vvrrnnoth, Q'zzykth, Aaeeiuyl, Kthxxar",
      "Trees in fantasy literature often symbolize life, wisdom and the connection between worlds, from the World Tree of Norse mythology to the great trees of modern fantasy novels.",
    ],
    tiesAfter: [0],
  },
  {
    externalId: "open-career-switch-ux",
    text: "I'm a 34-year-old accountant thinking about switching to UX design. What should I consider?",
    openness: 0.75,
    responses: [
      `Some things worth thinking through before you commit:

What transfers. Accountants bring more than people assume: attention to detail, comfort with complex systems, and experience explaining things to stakeholders. Domain knowledge is a real asset; fintech, accounting software and ERP vendors all need designers who understand how finance teams actually work.

Test it cheaply first. Before quitting or paying for a bootcamp, take a short intro course and do one small project end to end, for example redesigning a clunky expense-reporting flow you know well. Talk to two or three working UX designers about what their days actually look like. You'll find out quickly whether you enjoy the research and iteration or just the idea of it.

The job market. Entry-level UX roles have been competitive in recent years, and hiring managers care far more about a portfolio that shows your process than about certificates. Budget time for two or three solid case studies.

Money and timeline. A switch often means a temporary pay cut or a gap while you retrain. Work out how many months of runway you'd need, and whether you can study part time while still working.

Hybrid paths. You don't have to jump all the way. UX research, product operations, or a design role at a company that builds finance tools can use both skill sets.

And 34 is nowhere near too late. Plenty of designers come from other careers, and that background often makes them better at the job.`,
      `A few things to weigh:

- Your finance background is an asset: fintech and accounting-software companies value designers who understand the domain.
- Try it before you leap: a short course plus one real project will tell you if you enjoy the work.
- The entry-level market is competitive, so your portfolio matters more than any certificate.
- Plan for a possible pay dip during the transition.`,
      "Go for it! 34 is definitely not too old. Take a bootcamp, build a portfolio and start applying.",
      "Switching careers is a big decision that requires careful thought. Consider your passions, your goals and your values. Think about what truly makes you happy and fulfilled. It's also important to consider your financial situation and your support system. Remember, it's never too late to follow your dreams!",
      "UX is one of the best-paid fields right now: designers average $150k, and most bootcamps guarantee a job within 12 weeks of graduating, so the switch is very low risk.",
      "You'll need to master Photoshop and Illustrator and get good at drawing, since UX design is mostly about making things look beautiful.",
      "At 34 it's probably too late to change careers. You've already invested years in accounting, so it makes more sense to stick with it.",
      "If you want to advance in accounting, consider getting your CPA license. It requires passing a four-part exam and meeting education and experience requirements that vary by state.",
    ],
  },
  {
    externalId: "open-podcast-local-history",
    text: "Name ideas for a podcast about the local history of a small river town.",
    openness: 1,
    responses: [
      `- Downstream: stories the river carried
- Past the Bend
- High Water Marks: floods, turning points, and the people who lived through them
- The Town Ledger
- Old Ferry Road`,
      "River Remembers, Bridge & Bank, Where the Water Went, and Current Events (a history show with a river pun)",
      "Hometown History, Local Legends, Our Town's Past",
      "Here are 25 names: River History, Town Talk, The History Hour, Old Times, River Stories, The Past Podcast, History Lane, Back in Time, River Town, Heritage Talks, Historic Hometown, Old Days, The Archive, River Chronicles, Town Tales, Yesterday's News, History Now, Main Street Memories, Then and Now, River Voices, The Time Machine, Local Lore, Water Under the Bridge, River Roots, The History Show.",
      "Episode ideas: 1. The founding of the town. 2. The great flood. 3. The old mill. 4. Famous residents. 5. Ghost stories. 6. How the bridge was built.",
      "History Hit, The Past Podcast, Ancient Empires",
      "History Talk.",
      "To start a podcast, you'll need a decent USB microphone, headphones and free editing software such as Audacity. Then choose a hosting platform that distributes to the major podcast apps.",
    ],
    tiesAfter: [0],
  },
  {
    externalId: "open-six-word-story",
    text: "Write a six-word story about moving to a new city.",
    openness: 1,
    responses: [
      "Strangers everywhere. Then one waved back.",
      "Unpacked everything except the old address.",
      "Boxes everywhere. Loneliness. Then, slowly, home.",
      "New city, new me, same coffee.",
      `Here are a few options:

1. "New streets, new faces, new beginnings."
2. "Lost in the city, found myself."
3. "Big city dreams, small apartment reality."

The six-word story is a form of flash fiction that challenges writers to tell a complete story in just six words. Let me know if you'd like more!`,
      "I moved to a big city and felt lost.",
      "When Maya moved to the city, she didn't know anyone. The first few weeks were hard, and she spent most evenings alone in her tiny apartment. But one day, a neighbor invited her to a rooftop party, and slowly she began to build a new life.",
      'The six-word story format is often linked to Ernest Hemingway and "For sale: baby shoes, never worn," though the attribution is doubtful.',
    ],
    tiesAfter: [0],
  },
];
