/* aiobgp.rib._table: PrefixTable, a compact map from prefix keys to Python objects.
 *
 * The pure-Python twin and the contract are in aiobgp/rib/table.py. A prefix key (aiobgp.wire.nlri,
 * no path identifier) is a length byte L <= 128 then ceil(L / 8) address bytes. A key of at most 8
 * bytes is stored as its big-endian value in a uint64: the first byte is the prefix length, nonzero
 * in every key longer than one byte, so the value gives the key back. Those keys live in an
 * open-addressing table (Robin Hood linear probing, backward-shift deletion, no tombstones) of
 * slots of one uint64 key and one PyObject * value: 16 bytes a slot, no Python object per key, and
 * one cache line read for most lookups. A NULL value marks an empty slot. Longer keys (IPv6 longer
 * than /56) go to a dict.
 *
 * The slot index of a key is its mixed hash scaled to the capacity (multiply-shift), so the
 * capacity need not be a power of two: it grows by a quarter when the table is 7/8 full (18 to 23
 * bytes a key) and shrinks to half full when pop_many leaves it less than a quarter full. Since the
 * slots are in the order of their keys' hashes, a resize writes the new slots almost sequentially.
 *
 * Values are held with a reference. The table takes part in the cyclic GC, but is tracked only once
 * it has been given a value the collector tracks (as CPython does for dicts): a table of bytes costs
 * the collector nothing.
 *
 * Every change that adds or removes a key bumps `stamp`; an iterator raises RuntimeError at its next
 * step when the stamp moved since it was made. Decrefs of replaced or removed values happen only once
 * the table is consistent again, since they may run arbitrary code.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define SHORT_MAX 8   /* longest key kept in a uint64 */
#define KEY_MAX 17    /* longest key: /121../128 */
#define MIN_CAPACITY 8

typedef struct {
    uint64_t key;
    PyObject *value; /* NULL: empty slot */
} slot_t;

typedef struct {
    PyObject_HEAD
    Py_ssize_t size;     /* keys in the slots */
    Py_ssize_t capacity; /* slots (0: no array) */
    slot_t *slots;
    PyObject *long_keys; /* dict of the keys longer than SHORT_MAX bytes, or NULL */
    uint64_t stamp;      /* bumped by every change that adds or removes a key */
} TableObject;

typedef struct {
    PyObject_HEAD
    TableObject *table; /* NULL once exhausted */
    uint64_t stamp;
    Py_ssize_t slot;   /* next slot to look at */
    Py_ssize_t pos;    /* PyDict_Next position in long_keys */
    int items;         /* 1: (key, value) pairs, 0: values */
} IterObject;

static PyTypeObject TableType;
static PyTypeObject IterType;

static inline uint64_t
mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* the slot where `key` belongs in a table of `capacity` slots */
static inline Py_ssize_t
home(uint64_t key, Py_ssize_t capacity)
{
#ifdef __SIZEOF_INT128__
    return (Py_ssize_t)(((unsigned __int128)mix(key) * (uint64_t)capacity) >> 64);
#else
    return (Py_ssize_t)((mix(key) >> 32) * (uint64_t)capacity >> 32);
#endif
}

/* how far the key in `slot` sits from its home slot */
static inline Py_ssize_t
distance(uint64_t key, Py_ssize_t slot, Py_ssize_t capacity)
{
    Py_ssize_t start = home(key, capacity);
    return slot >= start ? slot - start : slot + capacity - start;
}

/* Check a key: 1 for a short key (its value in *out), 2 for a long key, -1 with an exception set. */
static int
encode_key(PyObject *key, uint64_t *out)
{
    if (!PyBytes_Check(key)) {
        PyErr_Format(PyExc_TypeError, "a prefix key is bytes, not %.100s", Py_TYPE(key)->tp_name);
        return -1;
    }
    Py_ssize_t size = PyBytes_GET_SIZE(key);
    const uint8_t *data = (const uint8_t *)PyBytes_AS_STRING(key);
    if (size < 1 || size > KEY_MAX || size != 1 + ((data[0] + 7) >> 3)) {
        PyErr_SetString(PyExc_ValueError, "malformed prefix key");
        return -1;
    }
    if (size > SHORT_MAX)
        return 2;
    uint64_t value = 0;
    for (Py_ssize_t i = 0; i < size; i++)
        value = (value << 8) | data[i];
    *out = value;
    return 1;
}

/* The bytes of a short key's value. */
static PyObject *
decode_key(uint64_t value)
{
    uint8_t data[SHORT_MAX];
    Py_ssize_t size = 1;
    while (size < SHORT_MAX && (value >> (8 * size)) != 0)
        size++;
    for (Py_ssize_t i = 0; i < size; i++)
        data[i] = (uint8_t)(value >> (8 * (size - 1 - i)));
    return PyBytes_FromStringAndSize((const char *)data, size);
}

/* The slot holding `key`, or -1. */
static Py_ssize_t
find(TableObject *self, uint64_t key)
{
    Py_ssize_t capacity = self->capacity;
    if (self->size == 0)
        return -1;
    Py_ssize_t slot = home(key, capacity);
    for (Py_ssize_t dist = 0;; dist++) {
        const slot_t *here = &self->slots[slot];
        if (here->value == NULL)
            return -1;
        if (here->key == key)
            return slot;
        if (distance(here->key, slot, capacity) < dist)
            return -1; /* Robin Hood: the key would have displaced this one */
        if (++slot == capacity)
            slot = 0;
    }
}

/* Put a key known to be absent, with a value reference the table takes over; the table has room. */
static void
place(slot_t *slots, Py_ssize_t capacity, uint64_t key, PyObject *value)
{
    Py_ssize_t slot = home(key, capacity);
    Py_ssize_t dist = 0;
    while (slots[slot].value != NULL) {
        Py_ssize_t theirs = distance(slots[slot].key, slot, capacity);
        if (theirs < dist) {
            slot_t resident = slots[slot];
            slots[slot].key = key;
            slots[slot].value = value;
            key = resident.key;
            value = resident.value;
            dist = theirs;
        }
        if (++slot == capacity)
            slot = 0;
        dist++;
    }
    slots[slot].key = key;
    slots[slot].value = value;
}

/* Move every key to arrays of `capacity` slots (>= size). -1 with MemoryError, the table unchanged. */
static int
resize(TableObject *self, Py_ssize_t capacity)
{
    slot_t *slots = PyMem_Calloc((size_t)capacity, sizeof(slot_t));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < self->capacity; i++)
        if (self->slots[i].value != NULL)
            place(slots, capacity, self->slots[i].key, self->slots[i].value);
    PyMem_Free(self->slots);
    self->slots = slots;
    self->capacity = capacity;
    self->stamp++;
    return 0;
}

static void
maybe_track(TableObject *self, PyObject *value)
{
    if (PyObject_GC_IsTracked(value) && !PyObject_GC_IsTracked((PyObject *)self))
        PyObject_GC_Track((PyObject *)self);
}

/* Map `key` to `value`. 0, or -1 with an exception set. */
static int
set_one(TableObject *self, PyObject *key, PyObject *value)
{
    uint64_t number;
    int kind = encode_key(key, &number);
    if (kind < 0)
        return -1;
    maybe_track(self, value);
    if (kind == 2) {
        if (self->long_keys == NULL && (self->long_keys = PyDict_New()) == NULL)
            return -1;
        Py_ssize_t before = PyDict_GET_SIZE(self->long_keys);
        if (PyDict_SetItem(self->long_keys, key, value) < 0)
            return -1;
        if (PyDict_GET_SIZE(self->long_keys) != before)
            self->stamp++;
        return 0;
    }
    Py_ssize_t slot = find(self, number);
    if (slot >= 0) {
        PyObject *old = self->slots[slot].value;
        Py_INCREF(value);
        self->slots[slot].value = value;
        Py_DECREF(old);
        return 0;
    }
    if ((self->size + 1) * 8 > self->capacity * 7) {
        Py_ssize_t capacity = self->capacity + self->capacity / 4;
        if (capacity < MIN_CAPACITY)
            capacity = MIN_CAPACITY;
        if (resize(self, capacity) < 0)
            return -1;
    }
    Py_INCREF(value);
    place(self->slots, self->capacity, number, value);
    self->size++;
    self->stamp++;
    return 0;
}

/* Remove `key`: 1 when it was there, 0 when not, -1 with an exception set. */
static int
pop_one(TableObject *self, PyObject *key)
{
    uint64_t number;
    int kind = encode_key(key, &number);
    if (kind < 0)
        return -1;
    if (kind == 2) {
        if (self->long_keys == NULL)
            return 0;
        PyObject *old = PyDict_GetItemWithError(self->long_keys, key);
        if (old == NULL)
            return PyErr_Occurred() ? -1 : 0;
        Py_INCREF(old);
        int failed = PyDict_DelItem(self->long_keys, key);
        if (!failed)
            self->stamp++;
        Py_DECREF(old);
        return failed ? -1 : 1;
    }
    Py_ssize_t slot = find(self, number);
    if (slot < 0)
        return 0;
    slot_t *slots = self->slots;
    PyObject *old = slots[slot].value;
    Py_ssize_t capacity = self->capacity;
    for (;;) {
        Py_ssize_t next = slot + 1 == capacity ? 0 : slot + 1;
        if (slots[next].value == NULL || distance(slots[next].key, next, capacity) == 0)
            break;
        slots[slot] = slots[next]; /* backward shift: no tombstone */
        slot = next;
    }
    slots[slot].value = NULL;
    self->size--;
    self->stamp++;
    Py_DECREF(old);
    return 1;
}

/* Check every key of a sequence (PySequence_Fast) before anything changes. */
static int
check_keys(PyObject *seq)
{
    uint64_t number;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++)
        if (encode_key(PySequence_Fast_GET_ITEM(seq, i), &number) < 0)
            return -1;
    return 0;
}

/* Drop every key; values are released once the table is empty. */
static void
clear_all(TableObject *self)
{
    slot_t *slots = self->slots;
    Py_ssize_t capacity = self->capacity;
    PyObject *long_keys = self->long_keys;
    if (self->size || (long_keys != NULL && PyDict_GET_SIZE(long_keys)))
        self->stamp++;
    self->slots = NULL;
    self->capacity = self->size = 0;
    self->long_keys = NULL;
    for (Py_ssize_t i = 0; i < capacity; i++)
        Py_XDECREF(slots[i].value);
    PyMem_Free(slots);
    Py_XDECREF(long_keys);
}

static PyObject *
table_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *no_keywords[] = {NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, ":PrefixTable", no_keywords))
        return NULL;
    TableObject *self = (TableObject *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    PyObject_GC_UnTrack(self); /* tracked once a tracked value comes in */
    return (PyObject *)self;
}

static int
table_traverse(TableObject *self, visitproc visit, void *arg)
{
    for (Py_ssize_t i = 0; i < self->capacity; i++)
        Py_VISIT(self->slots[i].value);
    Py_VISIT(self->long_keys);
    return 0;
}

static int
table_clear(TableObject *self)
{
    clear_all(self);
    return 0;
}

static void
table_dealloc(TableObject *self)
{
    PyObject_GC_UnTrack(self);
    Py_TRASHCAN_BEGIN(self, table_dealloc)
    clear_all(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
    Py_TRASHCAN_END
}

static Py_ssize_t
table_len(TableObject *self)
{
    return self->size + (self->long_keys != NULL ? PyDict_GET_SIZE(self->long_keys) : 0);
}

/* The value of `key` as a new reference; NULL without an exception when absent. */
static PyObject *
lookup(TableObject *self, PyObject *key)
{
    uint64_t number;
    int kind = encode_key(key, &number);
    if (kind < 0)
        return NULL;
    PyObject *found;
    if (kind == 2) {
        if (self->long_keys == NULL)
            return NULL;
        found = PyDict_GetItemWithError(self->long_keys, key);
    } else {
        Py_ssize_t slot = find(self, number);
        found = slot < 0 ? NULL : self->slots[slot].value;
    }
    Py_XINCREF(found);
    return found;
}

static int
table_contains(TableObject *self, PyObject *key)
{
    PyObject *found = lookup(self, key);
    if (found == NULL)
        return PyErr_Occurred() ? -1 : 0;
    Py_DECREF(found);
    return 1;
}

static PyObject *
table_subscript(TableObject *self, PyObject *key)
{
    PyObject *found = lookup(self, key);
    if (found == NULL && !PyErr_Occurred())
        PyErr_SetObject(PyExc_KeyError, key);
    return found;
}

static int
table_ass_subscript(TableObject *self, PyObject *key, PyObject *value)
{
    if (value != NULL)
        return set_one(self, key, value);
    int removed = pop_one(self, key);
    if (removed == 0)
        PyErr_SetObject(PyExc_KeyError, key);
    return removed == 1 ? 0 : -1;
}

static PyObject *
table_get(TableObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2) {
        PyErr_Format(PyExc_TypeError, "get expected 1 or 2 arguments, got %zd", nargs);
        return NULL;
    }
    PyObject *found = lookup(self, args[0]);
    if (found != NULL || PyErr_Occurred())
        return found;
    return Py_NewRef(nargs == 2 ? args[1] : Py_None);
}

static PyObject *
table_set_many(TableObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "set_many expected 2 arguments, got %zd", nargs);
        return NULL;
    }
    PyObject *seq = PySequence_Fast(args[0], "set_many needs a sequence of prefix keys");
    if (seq == NULL)
        return NULL;
    PyObject *value = args[1];
    Py_INCREF(value); /* kept alive even if a decref below drops the caller's last one */
    int failed = check_keys(seq);
    /* the size is read again each time: a released value may run code that changes the list */
    for (Py_ssize_t i = 0; !failed && i < PySequence_Fast_GET_SIZE(seq); i++)
        failed = set_one(self, PySequence_Fast_GET_ITEM(seq, i), value) < 0;
    Py_DECREF(value);
    Py_DECREF(seq);
    if (failed)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
table_pop_many(TableObject *self, PyObject *keys)
{
    PyObject *seq = PySequence_Fast(keys, "pop_many needs a sequence of prefix keys");
    if (seq == NULL)
        return NULL;
    Py_ssize_t removed = 0;
    int failed = check_keys(seq);
    for (Py_ssize_t i = 0; !failed && i < PySequence_Fast_GET_SIZE(seq); i++) {
        int one = pop_one(self, PySequence_Fast_GET_ITEM(seq, i));
        if (one < 0)
            failed = 1;
        else
            removed += one;
    }
    Py_DECREF(seq);
    if (failed)
        return NULL;
    if (removed && self->capacity > MIN_CAPACITY && self->size * 4 < self->capacity) {
        Py_ssize_t capacity = self->size * 2 > MIN_CAPACITY ? self->size * 2 : MIN_CAPACITY;
        if (resize(self, capacity) < 0)
            PyErr_Clear(); /* no memory to shrink: keep the larger arrays */
    }
    return PyLong_FromSsize_t(removed);
}

static PyObject *
table_clear_method(TableObject *self, PyObject *Py_UNUSED(ignored))
{
    clear_all(self);
    Py_RETURN_NONE;
}

static PyObject *
make_iter(TableObject *self, int items)
{
    IterObject *it = PyObject_GC_New(IterObject, &IterType);
    if (it == NULL)
        return NULL;
    it->table = (TableObject *)Py_NewRef(self);
    it->stamp = self->stamp;
    it->slot = 0;
    it->pos = 0;
    it->items = items;
    PyObject_GC_Track(it);
    return (PyObject *)it;
}

static PyObject *
table_items(TableObject *self, PyObject *Py_UNUSED(ignored))
{
    return make_iter(self, 1);
}

static PyObject *
table_values(TableObject *self, PyObject *Py_UNUSED(ignored))
{
    return make_iter(self, 0);
}

static PyObject *
table_sizeof(TableObject *self, PyObject *Py_UNUSED(ignored))
{
    size_t size = sizeof(TableObject) + (size_t)self->capacity * sizeof(slot_t);
    return PyLong_FromSize_t(size);
}

static PyMethodDef table_methods[] = {
    {"set_many", (PyCFunction)(void (*)(void))table_set_many, METH_FASTCALL,
     "set_many(keys, value, /): map every key of the sequence to value."},
    {"pop_many", (PyCFunction)table_pop_many, METH_O,
     "pop_many(keys, /): remove the keys that are present; how many were."},
    {"get", (PyCFunction)(void (*)(void))table_get, METH_FASTCALL,
     "get(key, default=None, /): the value of key, or default."},
    {"clear", (PyCFunction)table_clear_method, METH_NOARGS, "Remove every key."},
    {"items", (PyCFunction)table_items, METH_NOARGS, "An iterator of (key, value), in no set order."},
    {"values", (PyCFunction)table_values, METH_NOARGS, "An iterator of the values, in no set order."},
    {"__class_getitem__", Py_GenericAlias, METH_O | METH_CLASS, "PrefixTable[V] for type hints."},
    {"__sizeof__", (PyCFunction)table_sizeof, METH_NOARGS, "Bytes held by the table itself."},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods table_as_sequence = {
    .sq_contains = (objobjproc)table_contains,
};

static PyMappingMethods table_as_mapping = {
    .mp_length = (lenfunc)table_len,
    .mp_subscript = (binaryfunc)table_subscript,
    .mp_ass_subscript = (objobjargproc)table_ass_subscript,
};

static PyTypeObject TableType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "aiobgp.rib._table.PrefixTable",
    .tp_doc = "A map of prefix keys to objects, 16 bytes a slot for keys of up to 8 bytes.",
    .tp_basicsize = sizeof(TableObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = table_new,
    .tp_dealloc = (destructor)table_dealloc,
    .tp_traverse = (traverseproc)table_traverse,
    .tp_clear = (inquiry)table_clear,
    .tp_methods = table_methods,
    .tp_as_sequence = &table_as_sequence,
    .tp_as_mapping = &table_as_mapping,
    .tp_hash = PyObject_HashNotImplemented,
};

static int
iter_traverse(IterObject *it, visitproc visit, void *arg)
{
    Py_VISIT(it->table);
    return 0;
}

static void
iter_dealloc(IterObject *it)
{
    PyObject_GC_UnTrack(it);
    Py_XDECREF(it->table);
    PyObject_GC_Del(it);
}

static PyObject *
iter_result(IterObject *it, PyObject *key, PyObject *value)
{
    if (!it->items)
        return Py_NewRef(value);
    if (key == NULL)
        return NULL;
    PyObject *pair = PyTuple_Pack(2, key, value);
    Py_DECREF(key);
    return pair;
}

static PyObject *
iter_next(IterObject *it)
{
    TableObject *table = it->table;
    if (table == NULL)
        return NULL;
    if (table->stamp != it->stamp) {
        PyErr_SetString(PyExc_RuntimeError, "PrefixTable changed size during iteration");
        return NULL;
    }
    while (it->slot < table->capacity) {
        Py_ssize_t slot = it->slot++;
        PyObject *value = table->slots[slot].value;
        if (value != NULL)
            return iter_result(it, it->items ? decode_key(table->slots[slot].key) : NULL, value);
    }
    PyObject *key, *value;
    if (table->long_keys != NULL && PyDict_Next(table->long_keys, &it->pos, &key, &value))
        return iter_result(it, Py_NewRef(key), value);
    it->table = NULL;
    Py_DECREF(table);
    return NULL;
}

static PyTypeObject IterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "aiobgp.rib._table.PrefixTableIterator",
    .tp_basicsize = sizeof(IterObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_dealloc = (destructor)iter_dealloc,
    .tp_traverse = (traverseproc)iter_traverse,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)iter_next,
};

static struct PyModuleDef table_module = {
    PyModuleDef_HEAD_INIT,
    "aiobgp.rib._table",
    "PrefixTable: the C twin of aiobgp.rib.table's pure-Python PrefixTable.",
    -1,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__table(void)
{
    if (PyType_Ready(&TableType) < 0 || PyType_Ready(&IterType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&table_module);
    if (module == NULL)
        return NULL;
    if (PyModule_AddObjectRef(module, "PrefixTable", (PyObject *)&TableType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
