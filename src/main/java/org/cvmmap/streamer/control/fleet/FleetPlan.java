package org.cvmmap.streamer.control.fleet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code ctl apply} changes in the desired-state bucket: for the hosts of the fleet file, every
 * entry it has and the bucket lacks is created, every entry whose document differs is updated (at the
 * revision read: a concurrent change makes the write fail), every entry of those hosts the file no
 * longer has is deleted; other hosts' entries are not touched. Pure.
 *
 * @param create  keys to create, with their documents
 * @param update  keys to update: document and the revision it must still be at
 * @param delete  keys to delete: the revision they must still be at
 * @param same    keys already as the file says
 */
public record FleetPlan(List<Change> create, List<Change> update, List<Change> delete, List<String> same) {
    /**
     * One change.
     *
     * @param key      {@code <host>.<stream>}
     * @param document the new document (canonical JSON), null for a delete
     * @param revision the entry's revision when read (0 for a create)
     */
    public record Change(String key, String document, long revision) {
    }

    /**
     * A current entry of the bucket.
     *
     * @param document its document
     * @param revision its revision
     */
    public record Current(String document, long revision) {
    }

    /**
     * Plans the changes.
     *
     * @param desired host → (key → document), from {@link FleetFile#parse}
     * @param current key → what the bucket holds now (every host)
     */
    public static FleetPlan of(Map<String, Map<String, String>> desired, Map<String, Current> current) {
        List<Change> create = new ArrayList<>();
        List<Change> update = new ArrayList<>();
        List<Change> delete = new ArrayList<>();
        List<String> same = new ArrayList<>();
        for (Map<String, String> host : desired.values()) {
            host.forEach((key, doc) -> {
                Current c = current.get(key);
                if (c == null) {
                    create.add(new Change(key, doc, 0));
                } else if (!c.document().equals(doc)) {
                    update.add(new Change(key, doc, c.revision()));
                } else {
                    same.add(key);
                }
            });
        }
        current.forEach((key, c) -> {
            String host = key.substring(0, key.indexOf('.'));
            if (desired.containsKey(host) && !desired.get(host).containsKey(key)) {
                delete.add(new Change(key, null, c.revision()));
            }
        });
        return new FleetPlan(create, update, delete, same);
    }

    /** Whether nothing changes. */
    public boolean empty() {
        return create.isEmpty() && update.isEmpty() && delete.isEmpty();
    }
}
