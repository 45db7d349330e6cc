/** Druid's rules for a datasource name, checked as the person types (the API checks again). */
export const MAX_DATASOURCE_NAME = 255;

export function datasourceNameProblem(name: string): string | null {
  if (name.trim() === "") return "Enter a dataset name.";
  if (name.startsWith(".")) return "A dataset name cannot start with a dot.";
  if (name.includes("/")) return "A dataset name cannot contain '/'.";
  if (/[^\S ]/u.test(name)) return "Only plain spaces are allowed: remove tabs and line breaks.";
  if (name.length > MAX_DATASOURCE_NAME)
    return `A dataset name can have at most ${MAX_DATASOURCE_NAME} characters (this one has ${name.length}).`;
  return null;
}
