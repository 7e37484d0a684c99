// Independent check of a bundled MCAP (docs/mcap_layout.md) with the MCAP project's reader
// (@mcap/core + @mcap/nodejs): indexed read with CRCs; every /<label>/video message decoded as
// foxglove.CompressedVideo (timestamp == log time, frame_id == label, first message a keyframe);
// every /bundle message parsed as JSON and held to the schema's shape, its schema record named.
//
//   node test-peers/bundle-check.mjs FILE
//
// Prints one JSON line: {ok, topics: {topic: {messages, schema, logTimes: [ns as strings]}},
// bundles: [{bundle_index, timestamp_ns, members: {label: ns or null}}]}; exit 1 with "error" when invalid.
import { open } from "node:fs/promises";
import { McapIndexedReader } from "@mcap/core";
import { FileHandleReadable } from "@mcap/nodejs";
import { decodeVideo, isKeyframe, nalTypes } from "./protobuf-lite.mjs";

const [file] = process.argv.slice(2);
function fail(msg) {
  console.log(JSON.stringify({ ok: false, file, error: msg }));
  process.exit(1);
}
try {
  const handle = await open(file, "r");
  const reader = await McapIndexedReader.Initialize({ readable: new FileHandleReadable(handle) });
  const topics = {};
  for (const ch of reader.channelsById.values()) {
    const schema = reader.schemasById.get(ch.schemaId);
    topics[ch.topic] = { schema: schema?.name, schemaEncoding: schema?.encoding, messageEncoding: ch.messageEncoding,
      messages: 0, logTimes: [] };
  }
  const bundles = [];
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
  console.log(JSON.stringify({ ok: true, file, topics, bundles }));
} catch (e) {
  fail(e.message);
}
