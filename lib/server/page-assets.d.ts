// The pages' files (lib/page/), bundled by build.mjs into dist/af.js: file name → text.
declare module 'af:page-assets' {
  export const PAGE_ASSETS: Readonly<Record<string, string>>;
}
