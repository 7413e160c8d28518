/** The content area's front door: everything other code uses from src/content/. */

export { type DynamicResourceProvider, type ResourceEntry } from './dynamic.js';
export { type PromptTemplate, findPrompt, loadPrompts, parsePromptFile, renderPrompt } from './prompts.js';
export { loadStaticResources, readStaticResource } from './resources.js';
