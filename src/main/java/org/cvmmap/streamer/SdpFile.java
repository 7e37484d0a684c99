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
        try {
            Path dir = target.getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Path tmp = Files.createTempFile(dir, ".sdp", ".tmp");
            Files.writeString(tmp, sdp);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ConfigException("--rtp-sdp", rtp.sdpPath(), "cannot be written: " + e.getMessage());
        }
        LOG.info("event=sdp_written key={} path={} codec={} endpoint={}:{} pt={}", key, target, config.codec().cliName(),
                address, rtp.port(), rtp.payloadType());
    }
}
