package org.cvmmap.streamer.util;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This machine's host name, as the kernel knows it. */
public final class HostName {
    private HostName() {
    }

    /**
     * The kernel's host name ({@code /proc/sys/kernel/hostname}), read without resolving it: a
     * container's or a build sandbox's host name often has no address, and
     * {@code InetAddress.getLocalHost()} then fails. Elsewhere than Linux, the resolver's answer.
     *
     * @return the host name, or null when neither gives one
     */
    public static String get() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | SecurityException e) {
            // not Linux: ask the resolver
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
