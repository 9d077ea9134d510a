// esbuild bundles the stylesheet the entry imports into console.css beside the script.
declare module '*.css';
