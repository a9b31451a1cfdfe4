// Vite's client types for every module of the shell: `import url from './app.css?url'`
// (each app's stylesheet, see lib/react-app.tsx) and import.meta.env.
/// <reference types="vite/client" />
