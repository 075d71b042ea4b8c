// Caption text for demo manifests: BLIP-style lowercase sentences from word lists, plus captions
// chosen to break naive CSV/TSV/JSON/tar handling.
import { pick, randomInt } from "./prng.ts";

const LONG_CAPTION = Array.from({ length: 29 }, (_, i) => `clause ${i + 1} of a long description of an old lighthouse on a rocky coast`).join(", ");

/** Captions that exercise escaping and Unicode handling; `demoRows` mixes one in every 25 rows. */
export const TRICKY_CAPTIONS: readonly string[] = Object.freeze([
  "a cat\tsitting on a\ttabbed couch",
  "first line of the caption\nsecond line of the caption",
  "a windows line ending\r\nin the middle",
  `a sign that says "open" and 'closed'`,
  "a path like C:\\photos\\dog.jpg with back\\slashes\\",
  "apples, pears, and plums, on a table,,",
  "a birthday party 🎉 with a dog 🐕‍🦺 and a family 👨‍👩‍👧 😀",
  "قطة تجلس على الأريكة بجانب النافذة",
  "חתול יושב על הספה ליד החלון",
  "mixed direction: a cat (قطة) and a dog (כלב) together",
  "cafe\u0301 with a nai\u0308ve Zalgo t\u0336\u0357e\u0335\u0301x\u0334\u0300t",
  "",
  "   leading and trailing spaces   ",
  "<b>bold</b> &amp; an <img src=x> tag",
  "line\u2028separator and paragraph\u2029separator",
  '{"json": "looking", "caption": [1, 2]}',
  LONG_CAPTION,
]);

type Noun = readonly [singular: string, plural: string];

const NOUNS: readonly Noun[] = [
  ["dog", "dogs"],
  ["cat", "cats"],
  ["man", "men"],
  ["woman", "women"],
  ["child", "children"],
  ["bird", "birds"],
  ["horse", "horses"],
  ["car", "cars"],
  ["bicycle", "bicycles"],
  ["boat", "boats"],
  ["train", "trains"],
  ["person", "people"],
  ["cow", "cows"],
  ["sheep", "sheep"],
  ["giraffe", "giraffes"],
  ["elephant", "elephants"],
  ["teddy bear", "teddy bears"],
  ["surfer", "surfers"],
  ["vase of flowers", "vases of flowers"],
  ["chair", "chairs"],
  ["bowl of fruit", "bowls of fruit"],
  ["motorcycle", "motorcycles"],
  ["house", "houses"],
];
const ADJECTIVES = [
  "small",
  "large",
  "white",
  "black",
  "brown",
  "red",
  "blue",
  "old",
  "young",
  "fluffy",
  "wet",
  "little",
  "vintage",
  "colorful",
  "wooden",
  "shiny",
  "orange",
  "green",
  "tall",
  "empty",
];
const VERBS = ["sitting", "standing", "walking", "lying", "resting", "playing", "waiting", "parked"];
const PREPOSITIONS = ["on", "in", "next to", "in front of", "near", "under", "on top of", "behind"];
const PLACES = [
  "beach",
  "street",
  "field",
  "kitchen",
  "living room",
  "park",
  "snowy mountain",
  "city street",
  "wooden table",
  "forest",
  "river",
  "parking lot",
  "grassy hill",
  "airport runway",
  "old building",
  "train station",
  "garden",
  "lake",
  "desert road",
  "bedroom",
];
const SURFACES = ["table", "plate", "counter", "bed", "couch", "desk", "sidewalk", "tray"];
const TIMES = ["night", "sunset", "dawn", "noon", "dusk"];
const GROUPS = ["two", "three", "four", "several", "a group of", "a couple of"];
const STYLES = ["painting", "drawing", "photo", "black and white photo", "close up", "watercolor"];

function article(phrase: string): string {
  return `${/^[aeiou]/.test(phrase) ? "an" : "a"} ${phrase}`;
}

/** One ordinary caption, e.g. "a brown dog lying on a couch next to a window". */
export function ordinaryCaption(random: () => number): string {
  const [noun, nouns] = pick(random, NOUNS);
  const place = pick(random, PLACES);
  switch (randomInt(random, 0, 6)) {
    case 0:
      return `${article(`${pick(random, ADJECTIVES)} ${noun}`)} ${pick(random, VERBS)} ${pick(random, PREPOSITIONS)} ${article(place)}`;
    case 1:
      return `${pick(random, GROUPS)} ${nouns} ${pick(random, VERBS)} ${pick(random, PREPOSITIONS)} the ${place}`;
    case 2:
      return `a close up of ${article(noun)} on ${article(pick(random, SURFACES))}`;
    case 3:
      return `${article(noun)} ${pick(random, PREPOSITIONS)} ${article(place)} at ${pick(random, TIMES)}`;
    case 4:
      return `an aerial view of ${article(place)} with ${pick(random, GROUPS)} ${nouns}`;
    case 5:
      return `${article(pick(random, STYLES))} of ${article(`${pick(random, ADJECTIVES)} ${noun}`)}`;
    default:
      return `there is ${article(noun)} that is ${pick(random, VERBS)} ${pick(random, PREPOSITIONS)} the ${place}`;
  }
}
