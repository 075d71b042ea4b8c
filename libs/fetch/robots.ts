/**
 * img2dataset's X-Robots-Tag rule: a header value "[bot:] d1, d2" forbids use when it names no bot
 * or names our token, and lists one of the disallowed directives.
 */
export function isDisallowedByRobots(headerValues: readonly string[], userAgentToken: string | null, disallowedDirectives: readonly string[]): boolean {
  const token = userAgentToken?.trim().toLowerCase() ?? null;
  return headerValues.some((value) => {
    const colon = value.indexOf(":");
    const bot = colon >= 0 ? value.slice(0, colon).trim().toLowerCase() : null;
    const directives = value
      .slice(colon + 1)
      .split(",")
      .map((d) => d.trim().toLowerCase());
    return (bot === null || bot === token) && directives.some((d) => disallowedDirectives.includes(d));
  });
}

export const ROBOTS_MESSAGE = "Use of image disallowed by X-Robots-Tag directive";
