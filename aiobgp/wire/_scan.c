/* aiobgp.wire._scan: a C scanner for the common case of an UPDATE body (RFC 4271 §4.3, RFC 4760).
 *
 * scan(body, asn4, ibgp) returns (raw_attributes, withdrawn, announced) exactly as
 * aiobgp.wire.update.decode_update builds them, or None whenever the body is not a well-formed
 * UPDATE of the kind handled here: the caller then decodes it in Python, which owns every error,
 * note and rare case. Handled: 4-octet AS sessions without ADD-PATH; classic IPv4 withdrawn routes and
 * NLRI; MP_REACH_NLRI / MP_UNREACH_NLRI of IPv4 and IPv6 unicast; the attributes ORIGIN, AS_PATH,
 * NEXT_HOP, MULTI_EXIT_DISC, LOCAL_PREF (iBGP only), ATOMIC_AGGREGATE, AGGREGATOR, COMMUNITIES,
 * ORIGINATOR_ID, CLUSTER_LIST, EXTENDED_COMMUNITIES and LARGE_COMMUNITY, each at most once, with the
 * flags and lengths the Python decoder accepts without any RFC 7606 action.
 *
 * Everything is checked before any object is built, so the only failure after that point is an
 * allocation failure (MemoryError).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define FLAG_OPTIONAL 0x80
#define FLAG_TRANSITIVE 0x40
#define FLAG_EXTENDED_LENGTH 0x10
#define FLAGS_MASK (FLAG_OPTIONAL | FLAG_TRANSITIVE)

#define ATTR_ORIGIN 1
#define ATTR_AS_PATH 2
#define ATTR_NEXT_HOP 3
#define ATTR_MED 4
#define ATTR_LOCAL_PREF 5
#define ATTR_ATOMIC_AGGREGATE 6
#define ATTR_AGGREGATOR 7
#define ATTR_COMMUNITIES 8
#define ATTR_ORIGINATOR_ID 9
#define ATTR_CLUSTER_LIST 10
#define ATTR_MP_REACH_NLRI 14
#define ATTR_MP_UNREACH_NLRI 15
#define ATTR_EXTENDED_COMMUNITIES 16
#define ATTR_LARGE_COMMUNITY 32

#define AFI_IPV4 1
#define AFI_IPV6 2
#define SAFI_UNICAST 1

/* (1, 1) and (2, 1): shared family tuples */
static PyObject *family_ipv4;
static PyObject *family_ipv6;
/* the last next hop built: a session's routes mostly share one, so they share the object too */
static PyObject *last_hop;

/* A run of prefixes in the buffer, already checked: where it is and how many prefixes it holds. */
typedef struct {
    const uint8_t *data;
    Py_ssize_t size;
    Py_ssize_t count;
} prefixes_t;

/* One MP attribute's value: where it starts and ends, and whether it was seen. */
typedef struct {
    int seen;
    Py_ssize_t header; /* offset of the attribute's flags byte */
    Py_ssize_t start;  /* offset of the value */
    Py_ssize_t stop;   /* offset just past the value */
} mp_t;

/* Check a withdrawn-routes / NLRI field of `max_bits` addresses and count its prefixes.
 * Returns 0 when any prefix is malformed (too long, truncated). */
static int
check_prefixes(const uint8_t *data, Py_ssize_t size, int max_bits, prefixes_t *out)
{
    Py_ssize_t pos = 0;
    Py_ssize_t count = 0;
    while (pos < size) {
        unsigned int plen = data[pos];
        if ((int)plen > max_bits)
            return 0;
        Py_ssize_t stop = pos + 1 + (Py_ssize_t)((plen + 7) / 8);
        if (stop > size)
            return 0;
        pos = stop;
        count++;
    }
    out->data = data;
    out->size = size;
    out->count = count;
    return 1;
}

/* The list of prefix keys of a checked field: host bits beyond the length are cleared. */
static PyObject *
build_prefixes(const prefixes_t *field)
{
    PyObject *list = PyList_New(field->count);
    if (list == NULL)
        return NULL;
    const uint8_t *data = field->data;
    Py_ssize_t pos = 0;
    for (Py_ssize_t index = 0; index < field->count; index++) {
        unsigned int plen = data[pos];
        Py_ssize_t size = 1 + (Py_ssize_t)((plen + 7) / 8);
        PyObject *key = PyBytes_FromStringAndSize((const char *)data + pos, size);
        if (key == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        if (plen & 7) {
            char *bytes = PyBytes_AS_STRING(key);
            bytes[size - 1] = (char)((uint8_t)bytes[size - 1] & (uint8_t)(0xFF << (8 - (plen & 7))));
        }
        PyList_SET_ITEM(list, index, key);
        pos += size;
    }
    return list;
}

/* An AS_PATH value of 4-octet ASNs the Python decoder accepts: segments of type 1-4, each holding
 * at least one ASN, exactly filling the value (an empty value is an empty path). */
static int
check_as_path(const uint8_t *value, Py_ssize_t size)
{
    Py_ssize_t pos = 0;
    while (pos < size) {
        if (pos + 2 > size)
            return 0;
        unsigned int kind = value[pos];
        unsigned int count = value[pos + 1];
        if (kind < 1 || kind > 4 || count == 0)
            return 0;
        pos += 2 + 4 * (Py_ssize_t)count;
        if (pos > size)
            return 0;
    }
    return 1;
}

/* Whether one known (non-MP) attribute has the flags and length the Python decoder accepts
 * without any RFC 7606 action. */
static int
check_attribute(unsigned int flags, unsigned int code, const uint8_t *value, Py_ssize_t length, int ibgp)
{
    unsigned int kind = flags & FLAGS_MASK;
    switch (code) {
    case ATTR_ORIGIN:
        return kind == FLAG_TRANSITIVE && length == 1 && value[0] <= 2;
    case ATTR_AS_PATH:
        return kind == FLAG_TRANSITIVE && check_as_path(value, length);
    case ATTR_NEXT_HOP:
        return kind == FLAG_TRANSITIVE && length == 4;
    case ATTR_MED:
        return kind == FLAG_OPTIONAL && length == 4;
    case ATTR_LOCAL_PREF: /* from an external peer it is discarded with a note: Python's work */
        return kind == FLAG_TRANSITIVE && length == 4 && ibgp;
    case ATTR_ATOMIC_AGGREGATE:
        return kind == FLAG_TRANSITIVE && length == 0;
    case ATTR_AGGREGATOR:
        return kind == FLAGS_MASK && length == 8;
    case ATTR_COMMUNITIES:
        return kind == FLAGS_MASK && length > 0 && length % 4 == 0;
    case ATTR_ORIGINATOR_ID:
        return kind == FLAG_OPTIONAL && length == 4;
    case ATTR_CLUSTER_LIST:
        return kind == FLAG_OPTIONAL && length > 0 && length % 4 == 0;
    case ATTR_EXTENDED_COMMUNITIES:
        return kind == FLAGS_MASK && length > 0 && length % 8 == 0;
    case ATTR_LARGE_COMMUNITY:
        return kind == FLAGS_MASK && length > 0 && length % 12 == 0;
    default:
        return 0;
    }
}

/* The address width in bits of a family handled here, 0 for any other. */
static int
family_bits(const uint8_t *value)
{
    unsigned int afi = ((unsigned int)value[0] << 8) | value[1];
    if (value[2] != SAFI_UNICAST)
        return 0;
    if (afi == AFI_IPV4)
        return 32;
    if (afi == AFI_IPV6)
        return 128;
    return 0;
}

static PyObject *
family_tuple(int bits)
{
    PyObject *family = bits == 32 ? family_ipv4 : family_ipv6;
    Py_INCREF(family);
    return family;
}

/* The next hop as bytes: the last one built when equal. */
static PyObject *
next_hop_bytes(const uint8_t *hop, Py_ssize_t size)
{
    if (last_hop != NULL && PyBytes_GET_SIZE(last_hop) == size &&
        memcmp(PyBytes_AS_STRING(last_hop), hop, (size_t)size) == 0) {
        Py_INCREF(last_hop);
        return last_hop;
    }
    PyObject *built = PyBytes_FromStringAndSize((const char *)hop, size);
    if (built == NULL)
        return NULL;
    Py_XSETREF(last_hop, Py_NewRef(built));
    return built;
}

/* Put (family, prefixes) at `index` of `withdrawn`; returns -1 on MemoryError. */
static int
add_withdrawn(PyObject *withdrawn, Py_ssize_t index, int bits, const prefixes_t *field)
{
    PyObject *keys = build_prefixes(field);
    if (keys == NULL)
        return -1;
    PyObject *entry = PyTuple_New(2);
    if (entry == NULL) {
        Py_DECREF(keys);
        return -1;
    }
    PyTuple_SET_ITEM(entry, 0, family_tuple(bits));
    PyTuple_SET_ITEM(entry, 1, keys);
    PyList_SET_ITEM(withdrawn, index, entry);
    return 0;
}

/* Put (family, next hop, prefixes) at `index` of `announced`; returns -1 on MemoryError. */
static int
add_announced(PyObject *announced, Py_ssize_t index, int bits, const uint8_t *hop, Py_ssize_t hop_size,
              const prefixes_t *field)
{
    PyObject *entry = PyTuple_New(3);
    if (entry == NULL)
        return -1;
    PyTuple_SET_ITEM(entry, 0, family_tuple(bits));
    PyObject *next_hop = next_hop_bytes(hop, hop_size);
    if (next_hop == NULL) {
        Py_DECREF(entry);
        return -1;
    }
    PyTuple_SET_ITEM(entry, 1, next_hop);
    PyObject *keys = build_prefixes(field);
    if (keys == NULL) {
        Py_DECREF(entry);
        return -1;
    }
    PyTuple_SET_ITEM(entry, 2, keys);
    PyList_SET_ITEM(announced, index, entry);
    return 0;
}

/* The attribute field without its MP attributes (at most two of them, in wire order). */
static PyObject *
build_raw(const uint8_t *data, Py_ssize_t start, Py_ssize_t end, const mp_t *first, const mp_t *second)
{
    Py_ssize_t size = end - start;
    if (first != NULL)
        size -= first->stop - first->header;
    if (second != NULL)
        size -= second->stop - second->header;
    PyObject *raw = PyBytes_FromStringAndSize(NULL, size);
    if (raw == NULL)
        return NULL;
    char *out = PyBytes_AS_STRING(raw);
    Py_ssize_t pos = start;
    const mp_t *cuts[2] = {first, second};
    for (int index = 0; index < 2; index++) {
        const mp_t *cut = cuts[index];
        if (cut == NULL)
            continue;
        memcpy(out, data + pos, (size_t)(cut->header - pos));
        out += cut->header - pos;
        pos = cut->stop;
    }
    memcpy(out, data + pos, (size_t)(end - pos));
    return raw;
}

static PyObject *
scan(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "scan() takes exactly 3 arguments (body, asn4, ibgp)");
        return NULL;
    }
    if (!PyBytes_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "scan() body must be bytes");
        return NULL;
    }
    int asn4 = PyObject_IsTrue(args[1]);
    if (asn4 < 0)
        return NULL;
    int ibgp = PyObject_IsTrue(args[2]);
    if (ibgp < 0)
        return NULL;
    if (!asn4) /* 2-octet AS paths and AS4_PATH merging are left to Python */
        Py_RETURN_NONE;

    const uint8_t *data = (const uint8_t *)PyBytes_AS_STRING(args[0]);
    Py_ssize_t size = PyBytes_GET_SIZE(args[0]);
    if (size <= 4) /* too short (an error), or the IPv4 End-of-RIB marker */
        Py_RETURN_NONE;
    Py_ssize_t attr_start = (((Py_ssize_t)data[0] << 8) | data[1]) + 4;
    if (attr_start > size)
        Py_RETURN_NONE;
    Py_ssize_t attr_end = attr_start + (((Py_ssize_t)data[attr_start - 2] << 8) | data[attr_start - 1]);
    if (attr_end > size)
        Py_RETURN_NONE;

    prefixes_t classic_withdrawn = {NULL, 0, 0};
    prefixes_t classic_nlri = {NULL, 0, 0};
    if (!check_prefixes(data + 2, attr_start - 4, 32, &classic_withdrawn))
        Py_RETURN_NONE;
    if (!check_prefixes(data + attr_end, size - attr_end, 32, &classic_nlri))
        Py_RETURN_NONE;

    /* the attributes: each header and length within the field, each code known and seen once */
    uint64_t seen = 0;
    mp_t reach = {0, 0, 0, 0};
    mp_t unreach = {0, 0, 0, 0};
    const mp_t *cuts[2] = {NULL, NULL};
    int cut_count = 0;
    Py_ssize_t next_hop = -1; /* offset of the NEXT_HOP value */
    Py_ssize_t pos = attr_start;
    while (pos < attr_end) {
        unsigned int flags = data[pos];
        Py_ssize_t first;
        Py_ssize_t length;
        if (flags & FLAG_EXTENDED_LENGTH) {
            if (pos + 4 > attr_end)
                Py_RETURN_NONE;
            length = ((Py_ssize_t)data[pos + 2] << 8) | data[pos + 3];
            first = pos + 4;
        }
        else {
            if (pos + 3 > attr_end)
                Py_RETURN_NONE;
            length = data[pos + 2];
            first = pos + 3;
        }
        unsigned int code = data[pos + 1];
        Py_ssize_t stop = first + length;
        if (stop > attr_end)
            Py_RETURN_NONE;
        if (code == ATTR_MP_REACH_NLRI || code == ATTR_MP_UNREACH_NLRI) {
            mp_t *mp = code == ATTR_MP_REACH_NLRI ? &reach : &unreach;
            if (mp->seen || (flags & FLAGS_MASK) != FLAG_OPTIONAL)
                Py_RETURN_NONE;
            mp->seen = 1;
            mp->header = pos;
            mp->start = first;
            mp->stop = stop;
            cuts[cut_count++] = mp;
        }
        else {
            if (code > 63 || (seen & ((uint64_t)1 << code)))
                Py_RETURN_NONE;
            seen |= (uint64_t)1 << code;
            if (!check_attribute(flags, code, data + first, length, ibgp))
                Py_RETURN_NONE;
            if (code == ATTR_NEXT_HOP)
                next_hop = first;
        }
        pos = stop;
    }

    /* MP_UNREACH_NLRI: a family handled here and at least one prefix (an empty one may be an
     * End-of-RIB marker) */
    prefixes_t mp_withdrawn = {NULL, 0, 0};
    int unreach_bits = 0;
    if (unreach.seen) {
        if (unreach.stop - unreach.start <= 3)
            Py_RETURN_NONE;
        unreach_bits = family_bits(data + unreach.start);
        if (!unreach_bits)
            Py_RETURN_NONE;
        if (!check_prefixes(data + unreach.start + 3, unreach.stop - unreach.start - 3, unreach_bits,
                            &mp_withdrawn))
            Py_RETURN_NONE;
    }
    /* MP_REACH_NLRI: a family handled here, a next hop of 4, 16 or 32 bytes, then the reserved
     * byte, within the attribute */
    prefixes_t mp_announced = {NULL, 0, 0};
    int reach_bits = 0;
    Py_ssize_t hop_size = 0;
    if (reach.seen) {
        if (reach.stop - reach.start < 5)
            Py_RETURN_NONE;
        reach_bits = family_bits(data + reach.start);
        if (!reach_bits)
            Py_RETURN_NONE;
        hop_size = data[reach.start + 3];
        if (hop_size != 4 && hop_size != 16 && hop_size != 32)
            Py_RETURN_NONE;
        Py_ssize_t hop_end = reach.start + 4 + hop_size;
        if (hop_end >= reach.stop)
            Py_RETURN_NONE;
        if (!check_prefixes(data + hop_end + 1, reach.stop - hop_end - 1, reach_bits, &mp_announced))
            Py_RETURN_NONE;
    }
    /* routes announced need ORIGIN and AS_PATH, and NEXT_HOP for the classic NLRI (else Python
     * treats the UPDATE as withdraw) */
    if (classic_nlri.count || mp_announced.count) {
        if (!(seen & ((uint64_t)1 << ATTR_ORIGIN)) || !(seen & ((uint64_t)1 << ATTR_AS_PATH)))
            Py_RETURN_NONE;
        if (classic_nlri.count && next_hop < 0)
            Py_RETURN_NONE;
    }

    /* everything is checked: build the result */
    PyObject *raw = NULL;
    PyObject *withdrawn = NULL;
    PyObject *announced = NULL;
    raw = build_raw(data, attr_start, attr_end, cuts[0], cuts[1]);
    if (raw == NULL)
        goto fail;
    /* lists are filled in order; a slot left NULL by a failure is skipped by their deallocation */
    withdrawn = PyList_New((classic_withdrawn.count > 0) + (mp_withdrawn.count > 0));
    if (withdrawn == NULL)
        goto fail;
    Py_ssize_t index = 0;
    if (classic_withdrawn.count && add_withdrawn(withdrawn, index++, 32, &classic_withdrawn) < 0)
        goto fail;
    if (mp_withdrawn.count && add_withdrawn(withdrawn, index, unreach_bits, &mp_withdrawn) < 0)
        goto fail;
    announced = PyList_New((classic_nlri.count > 0) + (mp_announced.count > 0));
    if (announced == NULL)
        goto fail;
    index = 0;
    if (classic_nlri.count && add_announced(announced, index++, 32, data + next_hop, 4, &classic_nlri) < 0)
        goto fail;
    if (mp_announced.count &&
        add_announced(announced, index, reach_bits, data + reach.start + 4, hop_size, &mp_announced) < 0)
        goto fail;
    PyObject *result = PyTuple_New(3);
    if (result == NULL)
        goto fail;
    PyTuple_SET_ITEM(result, 0, raw);
    PyTuple_SET_ITEM(result, 1, withdrawn);
    PyTuple_SET_ITEM(result, 2, announced);
    return result;

fail:
    Py_XDECREF(raw);
    Py_XDECREF(withdrawn);
    Py_XDECREF(announced);
    return NULL;
}

static PyMethodDef scan_methods[] = {
    {"scan", (PyCFunction)(void (*)(void))scan, METH_FASTCALL,
     "scan(body, asn4, ibgp) -> (raw_attributes, withdrawn, announced) | None\n\n"
     "The common case of an UPDATE body decoded as aiobgp.wire.update.decode_update does, or None\n"
     "when the body needs the Python decoder."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef scan_module = {
    PyModuleDef_HEAD_INIT,
    "aiobgp.wire._scan",
    "C scanner for the common case of BGP UPDATE bodies (aiobgp.wire.update).",
    -1,
    scan_methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__scan(void)
{
    if (family_ipv4 == NULL) {
        family_ipv4 = Py_BuildValue("(ii)", AFI_IPV4, SAFI_UNICAST);
        if (family_ipv4 == NULL)
            return NULL;
    }
    if (family_ipv6 == NULL) {
        family_ipv6 = Py_BuildValue("(ii)", AFI_IPV6, SAFI_UNICAST);
        if (family_ipv6 == NULL)
            return NULL;
    }
    return PyModule_Create(&scan_module);
}
