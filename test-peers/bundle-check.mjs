// Independent check of a bundled MCAP (docs/mcap_layout.md) with the MCAP project's reader
// (@mcap/core + @mcap/nodejs): indexed read with CRCs; every /<label>/video message decoded as
// foxglove.CompressedVideo (timestamp == log time, frame_id == label, first message a keyframe);
// every /bundle message parsed as JSON and held to the schema's shape, its schema record named; every
// /<label>/depth message decoded as foxglove.RawImage (32FC1, step = width·4, timestamp == log time ==
// the log time of one of that camera's video messages, or counted as withoutVideo) and each pixel compared with the built-in
// producer's depth (pixel (0,0) = frame id f, others 500 + (7x + 13y + f) mod 4000). Chunks may be
// zstd or lz4 (decompress.mjs).
//
//   node test-peers/bundle-check.mjs FILE
//
// Prints one JSON line: {ok, compression: [chunk compressions], topics: {topic: {messages, schema,
// logTimes: [ns as strings], (depth) width, height, depthPixelsChecked, withoutVideo}},
// bundles: [{bundle_index, timestamp_ns, members: {label: ns or null}}]}; exit 1 with "error" when invalid.
import { open } from "node:fs/promises";
import { McapIndexedReader } from "@mcap/core";
import { FileHandleReadable } from "@mcap/nodejs";
import { decodeRawImage, decodeVideo, isKeyframe, nalTypes } from "./protobuf-lite.mjs";
import { decompressHandlers } from "./decompress.mjs";

const [file] = process.argv.slice(2);
function fail(msg) {
  console.log(JSON.stringify({ ok: false, file, error: msg }));
  process.exit(1);
}
try {
  const handle = await open(file, "r");
  const reader = await McapIndexedReader.Initialize({ readable: new FileHandleReadable(handle), decompressHandlers });
  const compression = [...new Set(reader.chunkIndexes.map((c) => c.compression))];
  const topics = {};
  for (const ch of reader.channelsById.values()) {
    const schema = reader.schemasById.get(ch.schemaId);
    topics[ch.topic] = { schema: schema?.name, schemaEncoding: schema?.encoding, messageEncoding: ch.messageEncoding,
      messages: 0, logTimes: [] };
  }
  const bundles = [];
  const depthTimes = {};
  for await (const m of reader.readMessages({ validateCrcs: true })) {
    const topic = reader.channelsById.get(m.channelId).topic;
    const t = topics[topic];
    if (topic === "/bundle") {
      if (t.schema !== "cvmmap_streamer.Bundle" || t.schemaEncoding !== "jsonschema" || t.messageEncoding !== "json") {
        fail(`/bundle: schema ${t.schema} (${t.schemaEncoding}), encoding ${t.messageEncoding}`);
      }
      const j = JSON.parse(Buffer.from(m.data).toString("utf8"));
      const keys = Object.keys(j).sort().join(",");
      if (keys !== "bundle_index,members,timestamp_ns") fail(`/bundle message with keys ${keys}`);
      if (!Number.isInteger(j.bundle_index) || j.bundle_index < 0) fail(`bundle_index ${j.bundle_index}`);
      // times as exact strings from the text (ns since the epoch exceed 2^53, JSON.parse rounds them)
      const text = Buffer.from(m.data).toString("utf8");
      if (!text.includes(`"timestamp_ns":${m.logTime},`)) fail(`bundle ${j.bundle_index}: timestamp_ns is not the log time ${m.logTime}`);
      const members = {};
      for (const [, label, v] of text.matchAll(/"([A-Za-z0-9._-]+)":(null|\d+)/g)) {
        if (label === "bundle_index" || label === "timestamp_ns") continue;
        members[label] = v === "null" ? null : v;
      }
      bundles.push({ bundle_index: j.bundle_index, timestamp_ns: m.logTime.toString(), members });
    } else if (topic.endsWith("/depth")) {
      const label = topic.split("/")[1];
      const d = decodeRawImage(m.data);
      if (t.schema !== "foxglove.RawImage") fail(`${topic}: schema ${t.schema}`);
      if (d.stampNs !== m.logTime) fail(`${topic}: RawImage.timestamp ${d.stampNs} != log time ${m.logTime}`);
      if (d.frameId !== label) fail(`${topic}: frame_id ${d.frameId}`);
      if (d.encoding !== "32FC1" || d.step !== d.width * 4 || d.data.length !== d.step * d.height) {
        fail(`${topic}: encoding ${d.encoding}, ${d.width}x${d.height}, step ${d.step}, ${d.data.length} bytes`);
      }
      const px = new DataView(d.data.buffer, d.data.byteOffset, d.data.byteLength);
      const f = px.getFloat32(0, true);
      for (let y = 0; y < d.height; y++) {
        for (let x = 0; x < d.width; x++) {
          if (x === 0 && y === 0) continue;
          const want = 500 + ((7 * x + 13 * y + f) % 4000);
          const got = px.getFloat32((y * d.width + x) * 4, true);
          if (got !== want) fail(`${topic} at ${m.logTime}: pixel (${x},${y}) = ${got}, the producer wrote ${want} for frame ${f}`);
        }
      }
      t.width = d.width;
      t.height = d.height;
      t.depthPixelsChecked = (t.depthPixelsChecked ?? 0) + d.width * d.height - 1;
      (depthTimes[label] ??= []).push(m.logTime);
    } else {
      const label = topic.split("/")[1];
      const v = decodeVideo(m.data);
      if (v.stampNs !== m.logTime) fail(`${topic}: CompressedVideo.timestamp ${v.stampNs} != log time ${m.logTime}`);
      if (v.frameId !== label) fail(`${topic}: frame_id ${v.frameId}`);
      if (t.messages === 0 && !isKeyframe(nalTypes(v.data, v.format), v.format)) fail(`${topic}: first message is not a keyframe`);
    }
    t.messages++;
    t.logTimes.push(m.logTime.toString());
  }
  await handle.close();
  for (const [label, times] of Object.entries(depthTimes)) {
    const video = new Set(topics[`/${label}/video`]?.logTimes ?? []);
    // a frame the streamer dropped before encoding (latest-frame queue) keeps its depth image: counted
    topics[`/${label}/depth`].withoutVideo = times.filter((x) => !video.has(x.toString())).length;
  }
  console.log(JSON.stringify({ ok: true, file, compression, topics, bundles }));
} catch (e) {
  fail(e.message);
}
