/* aiobgp.api._render: the JSON text of UPDATE events, straight from wire bytes.
 *
 * Two hot loops of the JSON encoder (aiobgp/api/json.py has their pure-Python twins):
 *
 *   attributes_json(raw, ibgp) -> str | None
 *       The members of the "attribute" object for a path attribute field (MP_REACH/MP_UNREACH cut
 *       out) received on a 4-octet-AS session. Only the common attributes are rendered; anything
 *       else, and anything malformed, repeated or flagged wrongly, gives None so that the caller
 *       renders the decoded attributes instead.
 *
 *   prefixes_json(afi, keys) -> str
 *       '{ "nlri": "10.0.0.0/24" }, { "nlri": "10.0.1.0/24" }' for prefix keys without path
 *       identifiers (a length octet then the significant address octets). IPv6 text is written
 *       as glibc's inet_ntop writes it.
 *
 * The input is network data: every length is checked before a byte is read.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* --- an ASCII output buffer ------------------------------------------------------------------ */

#define STACK_SIZE 4096

typedef struct {
    char *data;
    size_t len;
    size_t cap;
    char stack[STACK_SIZE];
} Buffer;

static void buffer_init(Buffer *b) {
    b->data = b->stack;
    b->len = 0;
    b->cap = STACK_SIZE;
}

static void buffer_free(Buffer *b) {
    if (b->data != b->stack) {
        PyMem_Free(b->data);
    }
}

/* Room for `more` bytes; -1 with MemoryError set when it cannot be had. */
static int buffer_grow(Buffer *b, size_t more) {
    size_t want = b->cap;
    char *bigger;
    if (more > PY_SSIZE_T_MAX - b->len) {
        PyErr_NoMemory();
        return -1;
    }
    while (want - b->len < more) {
        if (want > PY_SSIZE_T_MAX / 2) {
            PyErr_NoMemory();
            return -1;
        }
        want *= 2;
    }
    if (b->data == b->stack) {
        bigger = PyMem_Malloc(want);
        if (bigger != NULL) {
            memcpy(bigger, b->stack, b->len);
        }
    } else {
        bigger = PyMem_Realloc(b->data, want);
    }
    if (bigger == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = bigger;
    b->cap = want;
    return 0;
}

static inline int reserve(Buffer *b, size_t more) {
    return b->cap - b->len >= more ? 0 : buffer_grow(b, more);
}

static inline int put(Buffer *b, const char *text, size_t size) {
    if (reserve(b, size) < 0) {
        return -1;
    }
    memcpy(b->data + b->len, text, size);
    b->len += size;
    return 0;
}

#define PUT(b, literal) put((b), (literal), sizeof(literal) - 1)

static const char PAIRS[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                            "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                            "8081828384858687888990919293949596979899";

/* Decimal digits of v at out; returns the position after them (at most 10 digits). */
static inline char *write_u32(char *out, uint32_t v) {
    char digits[10];
    char *end = digits + 10, *at = end;
    while (v >= 100) {
        unsigned pair = (v % 100) * 2;
        v /= 100;
        *--at = PAIRS[pair + 1];
        *--at = PAIRS[pair];
    }
    if (v >= 10) {
        *--at = PAIRS[v * 2 + 1];
        *--at = PAIRS[v * 2];
    } else {
        *--at = (char)('0' + v);
    }
    memcpy(out, at, (size_t)(end - at));
    return out + (end - at);
}

/* One octet in decimal. */
static inline char *write_octet(char *out, unsigned v) {
    if (v >= 100) {
        *out++ = (char)('0' + v / 100);
        v %= 100;
        *out++ = PAIRS[v * 2];
        *out++ = PAIRS[v * 2 + 1];
    } else if (v >= 10) {
        *out++ = PAIRS[v * 2];
        *out++ = PAIRS[v * 2 + 1];
    } else {
        *out++ = (char)('0' + v);
    }
    return out;
}

static inline int put_u32(Buffer *b, uint32_t v) {
    if (reserve(b, 10) < 0) {
        return -1;
    }
    b->len = (size_t)(write_u32(b->data + b->len, v) - b->data);
    return 0;
}

/* a.b.c.d (at most 15 characters) */
static inline char *write_ipv4(char *out, const uint8_t *a) {
    out = write_octet(out, a[0]);
    *out++ = '.';
    out = write_octet(out, a[1]);
    *out++ = '.';
    out = write_octet(out, a[2]);
    *out++ = '.';
    return write_octet(out, a[3]);
}

static inline int put_ipv4(Buffer *b, const uint8_t *a) {
    if (reserve(b, 15) < 0) {
        return -1;
    }
    b->len = (size_t)(write_ipv4(b->data + b->len, a) - b->data);
    return 0;
}

static const char HEX[] = "0123456789abcdef";

/* Sixteen octets as glibc's inet_ntop(AF_INET6) writes them (at most 45 characters): lower-case
 * hex groups without leading zeros, the first longest run of two or more zero groups as "::", and
 * the last 32 bits as a.b.c.d for ::a.b.c.d and ::ffff:a.b.c.d. */
static char *write_ipv6(char *out, const uint8_t *a) {
    unsigned words[8];
    int best = -1, best_len = 0, run = -1, run_len = 0;
    for (int i = 0; i < 8; i++) {
        words[i] = ((unsigned)a[2 * i] << 8) | a[2 * i + 1];
        if (words[i]) {
            run = -1;
            continue;
        }
        if (run < 0) {
            run = i;
            run_len = 1;
        } else {
            run_len++;
        }
        if (run_len > best_len) {
            best = run;
            best_len = run_len;
        }
    }
    if (best_len < 2) {
        best = -1;
    }
    for (int i = 0; i < 8; i++) {
        if (best >= 0 && i >= best && i < best + best_len) {
            if (i == best) {
                *out++ = ':';
            }
            continue;
        }
        if (i) {
            *out++ = ':';
        }
        if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
            return write_ipv4(out, a + 12);
        }
        unsigned w = words[i];
        int shift = 12;
        while (shift > 0 && !(w >> shift)) {
            shift -= 4;
        }
        for (; shift >= 0; shift -= 4) {
            *out++ = HEX[(w >> shift) & 0xf];
        }
    }
    if (best >= 0 && best + best_len == 8) {
        *out++ = ':';
    }
    return out;
}

static PyObject *buffer_str(Buffer *b) {
    PyObject *text = PyUnicode_New((Py_ssize_t)b->len, 127);
    if (text != NULL) {
        memcpy(PyUnicode_1BYTE_DATA(text), b->data, b->len);
    }
    return text;
}

/* --- attributes_json ------------------------------------------------------------------------- */

enum {
    ORIGIN = 1,
    AS_PATH = 2,
    NEXT_HOP = 3,
    MED = 4,
    LOCAL_PREF = 5,
    ATOMIC_AGGREGATE = 6,
    AGGREGATOR = 7,
    COMMUNITIES = 8,
    ORIGINATOR_ID = 9,
    CLUSTER_LIST = 10,
    LARGE_COMMUNITY = 32,
    CODES = 33
};

#define WELL_KNOWN 0x40
#define OPTIONAL 0x80
#define OPTIONAL_TRANSITIVE 0xC0
#define EXTENDED_LENGTH 0x10

/* Where each rendered attribute is kept while the field is split; 0: not rendered here. */
static const uint8_t SLOT[CODES] = {
    [ORIGIN] = 1,
    [AS_PATH] = 2,
    [NEXT_HOP] = 3,
    [MED] = 4,
    [LOCAL_PREF] = 5,
    [ATOMIC_AGGREGATE] = 6,
    [AGGREGATOR] = 7,
    [COMMUNITIES] = 8,
    [ORIGINATOR_ID] = 9,
    [CLUSTER_LIST] = 10,
    [LARGE_COMMUNITY] = 11,
};
#define SLOTS 12

/* Optional + Transitive bits each rendered attribute must carry. */
static const uint8_t EXPECTED[CODES] = {
    [ORIGIN] = WELL_KNOWN,
    [AS_PATH] = WELL_KNOWN,
    [NEXT_HOP] = WELL_KNOWN,
    [MED] = OPTIONAL,
    [LOCAL_PREF] = WELL_KNOWN,
    [ATOMIC_AGGREGATE] = WELL_KNOWN,
    [AGGREGATOR] = OPTIONAL_TRANSITIVE,
    [COMMUNITIES] = OPTIONAL_TRANSITIVE,
    [ORIGINATOR_ID] = OPTIONAL,
    [CLUSTER_LIST] = OPTIONAL,
    [LARGE_COMMUNITY] = OPTIONAL_TRANSITIVE,
};

typedef struct {
    const uint8_t *value; /* NULL: absent */
    size_t size;
} Value;

static inline uint32_t be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static int compare_u32(const void *x, const void *y) {
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/* Ascending order; insertion sort for the few values of a usual set. */
static void sort_u32(uint32_t *values, size_t count) {
    if (count > 16) {
        qsort(values, count, sizeof(uint32_t), compare_u32);
        return;
    }
    for (size_t i = 1; i < count; i++) {
        uint32_t value = values[i];
        size_t j = i;
        for (; j && values[j - 1] > value; j--) {
            values[j] = values[j - 1];
        }
        values[j] = value;
    }
}

static int compare_triple(const void *x, const void *y) {
    const uint32_t *a = x, *b = y;
    for (int i = 0; i < 3; i++) {
        if (a[i] != b[i]) {
            return a[i] < b[i] ? -1 : 1;
        }
    }
    return 0;
}

/* 1 when the value has the expected size, else 0 (the caller answers None). */
static int size_ok(int code, size_t size) {
    switch (code) {
    case ORIGIN:
        return size == 1;
    case NEXT_HOP:
    case MED:
    case LOCAL_PREF:
    case ORIGINATOR_ID:
        return size == 4;
    case ATOMIC_AGGREGATE:
        return size == 0;
    case AGGREGATOR:
        return size == 8;
    case COMMUNITIES:
    case CLUSTER_LIST:
        return size && !(size & 3);
    case LARGE_COMMUNITY:
        return size && !(size % 12);
    default:
        return 1; /* AS_PATH: checked while rendered */
    }
}

/* Split the field into one Value per slot; 0 when it holds anything not rendered here. */
static int split_attributes(const uint8_t *data, size_t end, Value *slots) {
    size_t pos = 0;
    while (pos < end) {
        size_t head, size;
        uint8_t flags = data[pos];
        if (end - pos < 3) {
            return 0;
        }
        if (flags & EXTENDED_LENGTH) {
            if (end - pos < 4) {
                return 0;
            }
            head = 4;
            size = ((size_t)data[pos + 2] << 8) | data[pos + 3];
        } else {
            head = 3;
            size = data[pos + 2];
        }
        if (size > end - pos - head) {
            return 0;
        }
        uint8_t code = data[pos + 1];
        if (code >= CODES || !SLOT[code] || slots[SLOT[code]].value != NULL) {
            return 0;
        }
        if ((flags & OPTIONAL_TRANSITIVE) != EXPECTED[code] || !size_ok(code, size)) {
            return 0;
        }
        if (code == ORIGIN && data[pos + head] > 2) {
            return 0;
        }
        slots[SLOT[code]].value = data + pos + head;
        slots[SLOT[code]].size = size;
        pos += head + size;
    }
    return 1;
}

static const char *const SEGMENT_NAMES[5] = {NULL, "as-set", "as-sequence", "as-sequence", "as-sequence"};

/* "as-path": {...}; 0 when the value is malformed, -1 on a Python error. */
static int put_as_path(Buffer *b, const uint8_t *v, size_t size) {
    size_t pos = 0;
    unsigned index = 0;
    while (pos < size) {
        if (size - pos < 2) {
            return 0;
        }
        uint8_t kind = v[pos], count = v[pos + 1];
        if (kind < 1 || kind > 4 || !count || (size_t)count * 4 > size - pos - 2) {
            return 0;
        }
        pos += 2 + (size_t)count * 4;
    }
    if (PUT(b, "\"as-path\": {") < 0) {
        return -1;
    }
    for (pos = 0; pos < size; index++) {
        uint8_t kind = v[pos], count = v[pos + 1];
        const char *name = SEGMENT_NAMES[kind];
        pos += 2;
        /* ", " "<index>": {"element": "<name>", "value": [ ... ]} */
        if (reserve(b, 64 + (size_t)count * 12) < 0) {
            return -1;
        }
        char *out = b->data + b->len;
        if (index) {
            *out++ = ',';
            *out++ = ' ';
        }
        *out++ = '"';
        out = write_u32(out, index);
        memcpy(out, "\": {\"element\": \"", 16);
        out += 16;
        size_t name_size = strlen(name);
        memcpy(out, name, name_size);
        out += name_size;
        memcpy(out, "\", \"value\": [", 13);
        out += 13;
        for (unsigned i = 0; i < count; i++, pos += 4) {
            if (i) {
                *out++ = ',';
                *out++ = ' ';
            }
            out = write_u32(out, be32(v + pos));
        }
        *out++ = ']';
        *out++ = '}';
        b->len = (size_t)(out - b->data);
    }
    return PUT(b, "}") < 0 ? -1 : 1;
}

static int put_communities(Buffer *b, const uint8_t *v, size_t size) {
    size_t count = size / 4;
    uint32_t small[64];
    uint32_t *values = small;
    int result = -1;
    if (count > 64) {
        values = PyMem_Malloc(count * sizeof(uint32_t));
        if (values == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    for (size_t i = 0; i < count; i++) {
        values[i] = be32(v + 4 * i);
    }
    sort_u32(values, count);
    if (PUT(b, "\"community\": [ ") < 0 || reserve(b, count * 18 + 2) < 0) {
        goto done;
    }
    char *out = b->data + b->len;
    for (size_t i = 0; i < count; i++) {
        if (i) {
            *out++ = ',';
            *out++ = ' ';
        }
        *out++ = '[';
        *out++ = ' ';
        out = write_u32(out, values[i] >> 16);
        *out++ = ',';
        *out++ = ' ';
        out = write_u32(out, values[i] & 0xffff);
        *out++ = ' ';
        *out++ = ']';
    }
    *out++ = ' ';
    *out++ = ']';
    b->len = (size_t)(out - b->data);
    result = 0;
done:
    if (values != small) {
        PyMem_Free(values);
    }
    return result;
}

static int put_large_communities(Buffer *b, const uint8_t *v, size_t size) {
    size_t count = size / 12;
    uint32_t small[3 * 32];
    uint32_t *values = small;
    int result = -1;
    if (count > 32) {
        values = PyMem_Malloc(count * 3 * sizeof(uint32_t));
        if (values == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    for (size_t i = 0; i < count * 3; i++) {
        values[i] = be32(v + 4 * i);
    }
    qsort(values, count, 3 * sizeof(uint32_t), compare_triple);
    if (PUT(b, "\"large-community\": [ ") < 0 || reserve(b, count * 42 + 2) < 0) {
        goto done;
    }
    char *out = b->data + b->len;
    for (size_t i = 0; i < count; i++) {
        const uint32_t *triple = values + 3 * i;
        if (i && !compare_triple(triple - 3, triple)) {
            continue; /* listed once (RFC 8092 §5) */
        }
        if (i) {
            *out++ = ',';
            *out++ = ' ';
        }
        *out++ = '[';
        *out++ = ' ';
        out = write_u32(out, triple[0]);
        *out++ = ',';
        *out++ = ' ';
        out = write_u32(out, triple[1]);
        memcpy(out, " , ", 3); /* ExaBGP's spacing */
        out += 3;
        out = write_u32(out, triple[2]);
        *out++ = ' ';
        *out++ = ']';
    }
    *out++ = ' ';
    *out++ = ']';
    b->len = (size_t)(out - b->data);
    result = 0;
done:
    if (values != small) {
        PyMem_Free(values);
    }
    return result;
}

static int put_cluster_list(Buffer *b, const uint8_t *v, size_t size) {
    if (PUT(b, "\"cluster-list\": [ ") < 0 || reserve(b, size / 4 * 19 + 2) < 0) {
        return -1;
    }
    char *out = b->data + b->len;
    for (size_t at = 0; at < size; at += 4) {
        if (at) {
            *out++ = ',';
            *out++ = ' ';
        }
        *out++ = '"';
        out = write_ipv4(out, v + at);
        *out++ = '"';
    }
    *out++ = ' ';
    *out++ = ']';
    b->len = (size_t)(out - b->data);
    return 0;
}

static const char *const ORIGIN_MEMBERS[3] = {
    "\"origin\": \"igp\"",
    "\"origin\": \"egp\"",
    "\"origin\": \"incomplete\"",
};

/* Append ", " unless this is the first member. */
static inline int separate(Buffer *b) {
    return b->len ? PUT(b, ", ") : 0;
}

/* The members rendered into b; 1 done, 0 not rendered here, -1 Python error. */
static int render_attributes(Buffer *b, const uint8_t *data, size_t end, int ibgp) {
    Value slots[SLOTS];
    memset(slots, 0, sizeof(slots));
    if (!end || !split_attributes(data, end, slots)) {
        return 0;
    }
    const Value *origin = &slots[SLOT[ORIGIN]], *as_path = &slots[SLOT[AS_PATH]], *med = &slots[SLOT[MED]];
    const Value *local_pref = &slots[SLOT[LOCAL_PREF]], *atomic = &slots[SLOT[ATOMIC_AGGREGATE]];
    const Value *aggregator = &slots[SLOT[AGGREGATOR]], *communities = &slots[SLOT[COMMUNITIES]];
    const Value *originator = &slots[SLOT[ORIGINATOR_ID]], *clusters = &slots[SLOT[CLUSTER_LIST]];
    const Value *large = &slots[SLOT[LARGE_COMMUNITY]];
    if (origin->value != NULL) {
        const char *member = ORIGIN_MEMBERS[origin->value[0]];
        if (put(b, member, strlen(member)) < 0) {
            return -1;
        }
    }
    if (as_path->value != NULL && as_path->size) {
        int done;
        if (separate(b) < 0) {
            return -1;
        }
        done = put_as_path(b, as_path->value, as_path->size);
        if (done <= 0) {
            return done;
        }
    }
    if (med->value != NULL) {
        if (separate(b) < 0 || PUT(b, "\"med\": ") < 0 || put_u32(b, be32(med->value)) < 0) {
            return -1;
        }
    }
    if (local_pref->value != NULL && ibgp) {
        if (separate(b) < 0 || PUT(b, "\"local-preference\": ") < 0 ||
            put_u32(b, be32(local_pref->value)) < 0) {
            return -1;
        }
    }
    if (atomic->value != NULL) {
        if (separate(b) < 0 || PUT(b, "\"atomic-aggregate\": true") < 0) {
            return -1;
        }
    }
    if (aggregator->value != NULL) {
        const uint8_t *v = aggregator->value;
        if (separate(b) < 0 || PUT(b, "\"aggregator\": \"") < 0 || put_u32(b, be32(v)) < 0 ||
            PUT(b, ":") < 0 || put_ipv4(b, v + 4) < 0 || PUT(b, "\"") < 0) {
            return -1;
        }
    }
    if (communities->value != NULL) {
        if (separate(b) < 0 || put_communities(b, communities->value, communities->size) < 0) {
            return -1;
        }
    }
    if (originator->value != NULL) {
        if (separate(b) < 0 || PUT(b, "\"originator-id\": \"") < 0 ||
            put_ipv4(b, originator->value) < 0 || PUT(b, "\"") < 0) {
            return -1;
        }
    }
    if (clusters->value != NULL) {
        if (separate(b) < 0 || put_cluster_list(b, clusters->value, clusters->size) < 0) {
            return -1;
        }
    }
    if (large->value != NULL) {
        if (separate(b) < 0 ||
            put_large_communities(b, large->value, large->size) < 0) {
            return -1;
        }
    }
    return 1;
}

PyDoc_STRVAR(attributes_json_doc,
             "attributes_json(raw: bytes, ibgp: bool) -> str | None\n\n"
             "The members of the \"attribute\" object of a path attribute field (no MP attributes) from a\n"
             "4-octet-AS session; None when the field holds anything this function does not render.");

static PyObject *attributes_json(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "attributes_json(raw, ibgp) takes 2 arguments");
        return NULL;
    }
    if (!PyBytes_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "attributes_json: raw must be bytes");
        return NULL;
    }
    int ibgp = PyObject_IsTrue(args[1]);
    if (ibgp < 0) {
        return NULL;
    }
    Buffer b;
    buffer_init(&b);
    const uint8_t *data = (const uint8_t *)PyBytes_AS_STRING(args[0]);
    PyObject *result;
    int done = render_attributes(&b, data, (size_t)PyBytes_GET_SIZE(args[0]), ibgp);
    if (done < 0) {
        result = NULL;
    } else if (!done) {
        result = Py_NewRef(Py_None);
    } else {
        result = buffer_str(&b);
    }
    buffer_free(&b);
    return result;
}

/* --- prefixes_json --------------------------------------------------------------------------- */

PyDoc_STRVAR(prefixes_json_doc,
             "prefixes_json(afi: int, keys: list[bytes]) -> str\n\n"
             "'{ \"nlri\": \"10.0.0.0/24\" }, { \"nlri\": \"10.0.1.0/24\" }' for prefix keys without path\n"
             "identifiers; afi 1 is IPv4, any other IPv6. ValueError for a key too long for its family.");

#define NLRI_OPEN "{ \"nlri\": \""
#define NLRI_NEXT "\" }, { \"nlri\": \""
#define NLRI_CLOSE "\" }"

static PyObject *prefixes_json(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "prefixes_json(afi, keys) takes 2 arguments");
        return NULL;
    }
    long afi = PyLong_AsLong(args[0]);
    if (afi == -1 && PyErr_Occurred()) {
        return NULL;
    }
    PyObject *keys = PySequence_Fast(args[1], "prefixes_json: keys must be a sequence");
    if (keys == NULL) {
        return NULL;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(keys);
    PyObject **items = PySequence_Fast_ITEMS(keys);
    size_t most = afi == 1 ? 5 : 17; /* length octet and address octets */
    PyObject *result = NULL;
    Buffer b;
    buffer_init(&b);
    if (PUT(&b, NLRI_OPEN) < 0) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *key = items[i];
        if (!PyBytes_Check(key)) {
            PyErr_SetString(PyExc_TypeError, "prefixes_json: every key must be bytes");
            goto done;
        }
        size_t size = (size_t)PyBytes_GET_SIZE(key);
        const uint8_t *k = (const uint8_t *)PyBytes_AS_STRING(key);
        if (!size || size > most) {
            PyErr_Format(PyExc_ValueError, "prefixes_json: a key of %zu bytes is not a prefix", size);
            goto done;
        }
        /* separator (16) + address (at most 45) + "/" and length (4) */
        if (reserve(&b, 16 + 45 + 4) < 0) {
            goto done;
        }
        char *out = b.data + b.len;
        if (i) {
            memcpy(out, NLRI_NEXT, sizeof(NLRI_NEXT) - 1);
            out += sizeof(NLRI_NEXT) - 1;
        }
        uint8_t address[16] = {0};
        memcpy(address, k + 1, size - 1);
        out = afi == 1 ? write_ipv4(out, address) : write_ipv6(out, address);
        *out++ = '/';
        out = write_u32(out, k[0]);
        b.len = (size_t)(out - b.data);
    }
    if (PUT(&b, NLRI_CLOSE) < 0) {
        goto done;
    }
    result = buffer_str(&b);
done:
    buffer_free(&b);
    Py_DECREF(keys);
    return result;
}

/* --- module ---------------------------------------------------------------------------------- */

static PyMethodDef methods[] = {
    {"attributes_json", (PyCFunction)(void (*)(void))attributes_json, METH_FASTCALL, attributes_json_doc},
    {"prefixes_json", (PyCFunction)(void (*)(void))prefixes_json, METH_FASTCALL, prefixes_json_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "aiobgp.api._render",
    .m_doc = "JSON text of UPDATE events from wire bytes (C twin of parts of aiobgp.api.json).",
    .m_size = 0,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__render(void) {
    return PyModuleDef_Init(&module_def);
}
