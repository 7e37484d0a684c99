// Independent check of an MCAP file written by cvmmap-streamer, with the MCAP project's own reader
// (@mcap/core + @mcap/nodejs): indexed read (summary, chunk indexes, message indexes) and a full
// streaming read, both validating CRCs; every message decoded as foxglove.CompressedVideo.
//
//   node test-peers/mcap-check.mjs FILE [--extract-first OUT]
//
// Prints one JSON line and exits 0 when the file is valid, 1 (with "error") when it is not.
// --extract-first writes the first message's data (Annex-B) to OUT for ffprobe.
import { open, readFile, writeFile } from "node:fs/promises";
import { McapIndexedReader, McapStreamReader } from "@mcap/core";
import { FileHandleReadable } from "@mcap/nodejs";

const [file, ...rest] = process.argv.slice(2);
const extract = rest[0] === "--extract-first" ? rest[1] : undefined;

function fail(msg, extra = {}) {
  console.log(JSON.stringify({ ok: false, file, error: msg, ...extra }));
  process.exit(1);
}

// Minimal protobuf reader for foxglove.CompressedVideo (timestamp=1 {seconds=1, nanos=2}, frame_id=2, data=3, format=4).
function varint(buf, pos) {
  let v = 0n, shift = 0n;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) throw new Error("truncated varint");
    v |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [v, pos];
    shift += 7n;
  }
}
function fields(buf) {
  const out = {};
  let pos = 0;
  while (pos < buf.length) {
    let key; [key, pos] = varint(buf, pos);
    const num = Number(key >> 3n), wt = Number(key & 7n);
    if (wt === 0) { let v; [v, pos] = varint(buf, pos); out[num] = v; }
    else if (wt === 2) { let len; [len, pos] = varint(buf, pos); out[num] = buf.subarray(pos, pos + Number(len)); pos += Number(len); }
    else throw new Error(`unexpected wire type ${wt} for field ${num}`);
  }
  return out;
}
function decodeVideo(data) {
  const f = fields(data);
  const ts = f[1] ? fields(f[1]) : {};
  return {
    stampNs: (ts[1] ?? 0n) * 1000000000n + (ts[2] ?? 0n),
    frameId: f[2] ? Buffer.from(f[2]).toString() : "",
    data: f[3] ?? new Uint8Array(),
    format: f[4] ? Buffer.from(f[4]).toString() : "",
  };
}
function nalTypes(au, format) {
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
const isKeyframe = (types, format) => format === "h265" ? types.some((t) => t >= 16 && t <= 21) : types.includes(5);

try {
  const handle = await open(file, "r");
  let reader;
  try {
    reader = await McapIndexedReader.Initialize({ readable: new FileHandleReadable(handle) });
  } catch (e) {
    await handle.close();
    fail(`indexed read: ${e.message}`);
  }
  const topics = {};
  for (const ch of reader.channelsById.values()) {
    const schema = reader.schemasById.get(ch.schemaId);
    topics[ch.topic] = { schema: schema?.name, schemaEncoding: schema?.encoding, messageEncoding: ch.messageEncoding, messages: 0 };
  }
  let count = 0, last = -1n, first, firstLog, lastLog, keyframes = 0, formats = new Set();
  for await (const m of reader.readMessages({ validateCrcs: true })) {
    const ch = reader.channelsById.get(m.channelId);
    topics[ch.topic].messages++;
    if (m.logTime < last) fail(`log time goes backwards at message ${count}: ${m.logTime} < ${last}`);
    last = m.logTime;
    const v = decodeVideo(m.data);
    if (v.stampNs !== m.logTime) fail(`message ${count}: CompressedVideo.timestamp ${v.stampNs} != log time ${m.logTime}`);
    if (v.format !== "h264" && v.format !== "h265") fail(`message ${count}: format "${v.format}"`);
    formats.add(v.format);
    const types = nalTypes(v.data, v.format);
    if (types.length === 0) fail(`message ${count}: data is not Annex-B`);
    if (isKeyframe(types, v.format)) keyframes++;
    if (count === 0) {
      first = v;
      firstLog = m.logTime;
      if (!isKeyframe(types, v.format)) fail(`first message is not a keyframe (NAL types ${types})`);
    }
    lastLog = m.logTime;
    count++;
  }
  await handle.close();
  const stats = reader.statistics;
  if (!stats || stats.messageCount !== BigInt(count)) fail(`statistics say ${stats?.messageCount} messages, read ${count}`);

  const stream = new McapStreamReader({ validateCrcs: true });
  stream.append(await readFile(file));
  let streamed = 0, footer = false, dataEnd = false;
  for (let r; (r = stream.nextRecord()); ) {
    if (r.type === "Message") streamed++;
    if (r.type === "DataEnd") dataEnd = true;
    if (r.type === "Footer") footer = true;
  }
  if (!stream.done()) fail("streaming read did not reach the end magic");
  if (streamed !== count || !footer || !dataEnd) fail(`streaming read: ${streamed} messages, footer ${footer}, data end ${dataEnd}`);
  if (extract && first) await writeFile(extract, first.data);
  console.log(JSON.stringify({
    ok: true, file, messages: count, keyframes, topics, formats: [...formats],
    firstLogTime: firstLog?.toString(), lastLogTime: lastLog?.toString(), frameId: first?.frameId ?? "",
    library: reader.header.library, chunks: reader.chunkIndexes.length,
  }));
} catch (e) {
  fail(e.message);
}
