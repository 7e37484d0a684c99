package org.cvmmap.streamer;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.output.rtp.RtpOutput;
import org.cvmmap.streamer.output.rtp.Sdp;
import org.cvmmap.streamer.util.ConfigException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The SDP file of a stream's RTP output. */
final class SdpFile {
    private static final Logger LOG = LogManager.getLogger(SdpFile.class);

    private SdpFile() {
    }

    /**
     * Writes the session description of {@code --rtp-sdp} (RFC 8866; payload format RFC 6184 / RFC 7798),
     * atomically (a temporary file in the same folder, then a rename), so a receiver never reads half of it.
     *
     * @param config the stream's configuration, with an RTP output and an SDP path
     * @param key    stream key (session name, logs)
     * @throws ConfigException naming {@code --rtp-endpoint} (host cannot be resolved) or {@code --rtp-sdp}
     *                         (cannot be written) — exit code 2
     */
    static void write(StreamerConfig config, String key) {
        RtpOutput rtp = config.rtp();
        String address;
        try {
            address = InetAddress.getByName(rtp.host()).getHostAddress();
        } catch (UnknownHostException e) {
            throw new ConfigException("--rtp-endpoint", rtp.host(), "host cannot be resolved");
        }
        String sdp = Sdp.render(config.codec(), address, rtp.port(), rtp.payloadType(), "cvmmap-streamer " + key,
                System.currentTimeMillis() / 1000);
        Path target = rtp.sdpPath().toAbsolutePath();
        Path dir = target.getParent();
        if (Files.isDirectory(target)) {
            throw new ConfigException("--rtp-sdp", rtp.sdpPath(), "is a folder: give the SDP file's path");
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new ConfigException("--rtp-sdp", rtp.sdpPath(), "its folder does not exist (it is not created)");
        }
        Path tmp = null;
        try {
            // written beside the target and renamed over it: a receiver never reads half a file
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            Files.writeString(tmp, sdp);
            // readable by a receiver running as another user (an SDP holds no secret)
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (IOException e) {
            throw new ConfigException("--rtp-sdp", rtp.sdpPath(), "cannot be written: " + e.getMessage());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the temporary file is in the SDP's own folder, named after it
                }
            }
        }
        LOG.info("event=sdp_written key={} path={} codec={} endpoint={}:{} pt={}", key, target, config.codec().cliName(),
                address, rtp.port(), rtp.payloadType());
    }
}
