// The few WebAssembly globals the loader (and the test of its compile) uses. Every supported runtime has them;
// TypeScript declares them only in its DOM libraries, which this package does not load.
declare namespace WebAssembly {
  type Imports = Record<string, Record<string, unknown>>;
  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  const Module: new (bytes: Uint8Array) => Module;
  const Instance: new (module: Module, imports?: Imports) => Instance;
  function instantiate(module: Module, imports?: Imports): Promise<Instance>;
}
