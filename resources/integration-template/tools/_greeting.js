// Files starting with _ are helpers: Aegis does not load them as tools.
export function greeting(word, name) {
  return `${word ?? 'Hello'}, ${name}!`;
}
