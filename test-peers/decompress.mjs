// MCAP chunk decompression for @mcap/core readers: zstd and lz4 through Foxglove's WebAssembly builds of
// the reference libraries (@foxglove/wasm-zstd, @foxglove/wasm-lz4), the ones Foxglove's own tools use.
import zstd from "@foxglove/wasm-zstd";
import lz4 from "@foxglove/wasm-lz4";

await zstd.isLoaded;
await lz4.isLoaded;

export const decompressHandlers = {
  zstd: (data, size) => zstd.decompress(data, Number(size)),
  lz4: (data, size) => lz4(data, Number(size)),
};
