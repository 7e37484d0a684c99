// The few protobuf and NAL reads the MCAP checkers need, shared by mcap-check.mjs and bundle-check.mjs:
// varints, fixed32, length-delimited fields, foxglove.CompressedVideo (timestamp=1 {seconds=1, nanos=2},
// frame_id=2, data=3, format=4), foxglove.RawImage (timestamp=1, width=2, height=3, encoding=4, step=5,
// data=6, frame_id=7; width/height/step fixed32), and keyframe detection in Annex-B access units.
export function varint(buf, pos) {
  let v = 0n, shift = 0n;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) throw new Error("truncated varint");
    v |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [v, pos];
    shift += 7n;
  }
}
export function fields(buf) {
  const out = {};
  let pos = 0;
  while (pos < buf.length) {
    let key; [key, pos] = varint(buf, pos);
    const num = Number(key >> 3n), wt = Number(key & 7n);
    if (wt === 0) { let v; [v, pos] = varint(buf, pos); out[num] = v; }
    else if (wt === 5) { out[num] = BigInt(buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16)) + (BigInt(buf[pos + 3]) << 24n); pos += 4; }
    else if (wt === 2) { let len; [len, pos] = varint(buf, pos); out[num] = buf.subarray(pos, pos + Number(len)); pos += Number(len); }
    else throw new Error(`unexpected wire type ${wt} for field ${num}`);
  }
  return out;
}
export function decodeVideo(data) {
  const f = fields(data);
  const ts = f[1] ? fields(f[1]) : {};
  return {
    stampNs: (ts[1] ?? 0n) * 1000000000n + (ts[2] ?? 0n),
    frameId: f[2] ? Buffer.from(f[2]).toString() : "",
    data: f[3] ?? new Uint8Array(),
    format: f[4] ? Buffer.from(f[4]).toString() : "",
  };
}
export function decodeRawImage(data) {
  const f = fields(data);
  const ts = f[1] ? fields(f[1]) : {};
  return {
    stampNs: (ts[1] ?? 0n) * 1000000000n + (ts[2] ?? 0n),
    width: Number(f[2] ?? 0n),
    height: Number(f[3] ?? 0n),
    encoding: f[4] ? Buffer.from(f[4]).toString() : "",
    step: Number(f[5] ?? 0n),
    data: f[6] ?? new Uint8Array(),
    frameId: f[7] ? Buffer.from(f[7]).toString() : "",
  };
}
export function nalTypes(au, format) {
  const types = [];
  for (let i = 0; i + 3 < au.length; i++) {
    if (au[i] === 0 && au[i + 1] === 0 && au[i + 2] === 1) {
      const h = au[i + 3];
      types.push(format === "h265" ? (h >> 1) & 0x3f : h & 0x1f);
      i += 3;
    }
  }
  return types;
}
export const isKeyframe = (types, format) => format === "h265" ? types.some((t) => t >= 16 && t <= 21) : types.includes(5);
