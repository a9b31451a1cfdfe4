// Vite's module types for this app: `import url from './site.css?url'` and import.meta.env.
/// <reference types="vite/client" />
