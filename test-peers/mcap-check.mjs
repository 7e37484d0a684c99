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
import { decompressHandlers } from "./decompress.mjs";
import { FileHandleReadable } from "@mcap/nodejs";
import { decodeVideo, isKeyframe, nalTypes } from "./protobuf-lite.mjs";

const [file, ...rest] = process.argv.slice(2);
const extract = rest[0] === "--extract-first" ? rest[1] : undefined;

function fail(msg, extra = {}) {
  console.log(JSON.stringify({ ok: false, file, error: msg, ...extra }));
  process.exit(1);
}


try {
  const handle = await open(file, "r");
  let reader;
  try {
    reader = await McapIndexedReader.Initialize({ readable: new FileHandleReadable(handle), decompressHandlers });
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

  const stream = new McapStreamReader({ validateCrcs: true, decompressHandlers });
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
