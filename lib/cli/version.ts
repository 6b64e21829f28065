// The package version, written into the bundle by build.mjs.
declare const AF_VERSION: string | undefined;

export const VERSION: string = typeof AF_VERSION === 'string' ? AF_VERSION : '0.0.0-source';
