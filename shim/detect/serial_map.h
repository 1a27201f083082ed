/* A map from thread serial to a pointer (the detector's threads by serial: a live
 * slot, or an ended thread's identity), whose memory follows the entries present,
 * not the serials ever handed out.
 *
 * Shape: an array of (key, value) sorted by key.  Keys are handed out in increasing
 * order (a thread's serial is taken and put under the same lock), so a put is an
 * append; a delete empties its entry in place (a hole), and holes are squeezed out
 * when the array is full or far too large.
 *
 * Invariants
 *  - Keys in ent[0..n) strictly increase; an entry with a NULL value is a hole.
 *    live counts the entries with a value.
 *  - A put takes a key above every key ever put (the caller's serials grow);
 *    another key is refused (-1): it is never stored out of order.
 *  - After every put and delete, cap <= max(LG_SMAP_MIN, 8 * live), whatever
 *    number of keys went through: the array is 16 bytes per entry, so at most 128
 *    bytes per present entry (plus 4 KiB).  Only a failed mapping can leave the
 *    array larger than that (a shrink that finds no memory keeps the old one).
 *  - No internal locking: writers and readers alike are serialized by the caller
 *    (the array moves when it grows, shrinks or is squeezed).  Memory comes from
 *    lg_map and goes back with lg_unmap: nothing outside the caller's lock ever
 *    points into it.
 *
 * Complexity: get, replace and delete O(log n) (binary search); put amortized
 * O(1) (a squeeze or a move costs O(n) and happens after Θ(n) puts or deletes);
 * a walk in key order O(n).  n <= cap.
 */
#ifndef LOCKGRAPH_SERIAL_MAP_H
#define LOCKGRAPH_SERIAL_MAP_H

#include <stdint.h>

#define LG_SMAP_MIN 256u /* entries: one 4 KiB page */

struct lg_smap_ent {
    uint32_t key;
    void *val;
};

struct lg_serial_map {
    struct lg_smap_ent *ent;
    uint32_t n;    /* entries in use, holes included */
    uint32_t live; /* entries with a value */
    uint32_t cap;  /* entries mapped (0 before the first put) */
    uint32_t last; /* the largest key ever put (0: none) */
};

/* 0, or -1 without memory or when key is not above every key put so far. */
int lg_smap_put(struct lg_serial_map *m, uint32_t key, void *val);
void *lg_smap_get(const struct lg_serial_map *m, uint32_t key); /* NULL: absent */
/* A present key's value becomes val (non-NULL); 0, or -1 if key is absent. */
int lg_smap_replace(struct lg_serial_map *m, uint32_t key, void *val);
void lg_smap_del(struct lg_serial_map *m, uint32_t key);
/* fn(key, val, arg) for each present entry, in increasing key order.  fn must not
 * change the map. */
void lg_smap_each(const struct lg_serial_map *m, void (*fn)(uint32_t key, void *val, void *arg),
                  void *arg);
/* Bytes mapped for the array. */
static inline uint64_t lg_smap_bytes(const struct lg_serial_map *m)
{
    return (uint64_t)m->cap * sizeof(struct lg_smap_ent);
}

#endif
