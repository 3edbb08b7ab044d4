/* aiobgp.config._prefixes: reads a run of route lines that differ only by their prefix.
 *
 * read_prefix_run(lines, start, lead, trail, ipv6, keys) does what its pure-Python twin
 * aiobgp.config.routes.read_prefix_run_python does, with the same results for every input: from
 * lines[start], while a line is `lead PREFIX trail` and PREFIX is what ipv4_nlri (ipv6_nlri when
 * `ipv6`) reads, append that prefix's NLRI key to `keys`; return the index of the first line not taken.
 *
 * The prefix rules are those of aiobgp.config.routes:
 *   IPv4 `a.b.c.d/len`: four decimal octets 0..255 without sign or leading zero, a length 0..32 written
 *   the same way, `a` outside 224..239 (multicast is its own family);
 *   IPv6 `address/len`: an address of lower-case hexadecimal digits and colons only that inet_pton
 *   reads, a length 0..128 without leading zero.
 * The key is the length byte then the (len + 7) / 8 address bytes, host bits cleared.
 *
 * Lines are read in place when they are ASCII strings; any other line ends the run (no prefix the
 * rules accept is anything but ASCII, so the twin refuses it too), and so do a lead or a trail that
 * is not ASCII.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <arpa/inet.h>
#include <string.h>

#if PY_VERSION_HEX < 0x030C0000
#define STRING_READY(s) PyUnicode_READY(s)
#else
#define STRING_READY(s) 0
#endif

/* The longest IPv6 address text read (inet_pton reads none longer than 39 characters). */
#define ADDRESS_MAX 63

/* The value of `size` characters written as Python's str() writes an integer 0..`max` (no sign, no
 * leading zero), or -1. */
static int
decimal(const char *text, Py_ssize_t size, int max)
{
    if (size < 1 || size > 3)
        return -1;
    if (text[0] == '0')
        return size == 1 ? 0 : -1;
    int value = 0;
    for (Py_ssize_t i = 0; i < size; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value <= max ? value : -1;
}

/* The key is `plen` then the address bytes it covers, the host bits of the last one cleared. */
static Py_ssize_t
finish_key(unsigned char *key, int plen)
{
    Py_ssize_t size = 1 + (plen + 7) / 8;
    if (plen & 7)
        key[size - 1] &= (unsigned char)(0xFF00 >> (plen & 7));
    return size;
}

/* The key of an IPv4 unicast prefix text (its size, written to `key`), or 0 for a text refused. */
static Py_ssize_t
ipv4_key(const char *text, Py_ssize_t size, unsigned char *key)
{
    const char *end = text + size;
    const char *at = text;
    for (int k = 1; k <= 3; k++) {
        const char *dot = memchr(at, '.', (size_t)(end - at));
        if (dot == NULL)
            return 0;
        int octet = decimal(at, dot - at, 255);
        if (octet < 0)
            return 0;
        key[k] = (unsigned char)octet;
        at = dot + 1;
    }
    const char *slash = memchr(at, '/', (size_t)(end - at));
    if (slash == NULL)
        return 0;
    int last = decimal(at, slash - at, 255);
    int plen = decimal(slash + 1, end - slash - 1, 32);
    if (last < 0 || plen < 0 || (key[1] >= 224 && key[1] <= 239))
        return 0;
    key[0] = (unsigned char)plen;
    key[4] = (unsigned char)last;
    return finish_key(key, plen);
}

/* The key of an IPv6 prefix text (its size, written to `key`), or 0 for a text refused. */
static Py_ssize_t
ipv6_key(const char *text, Py_ssize_t size, unsigned char *key)
{
    const char *slash = memchr(text, '/', (size_t)size);
    if (slash == NULL)
        return 0;
    int plen = decimal(slash + 1, text + size - slash - 1, 128);
    Py_ssize_t length = slash - text;
    if (plen < 0 || length > ADDRESS_MAX)
        return 0;
    char address[ADDRESS_MAX + 1];
    for (Py_ssize_t i = 0; i < length; i++) {
        char c = text[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':'))
            return 0;
        address[i] = c;
    }
    address[length] = '\0';
    if (inet_pton(AF_INET6, address, key + 1) != 1)
        return 0;
    key[0] = (unsigned char)plen;
    return finish_key(key, plen);
}

static PyObject *
read_prefix_run(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 6) {
        PyErr_Format(PyExc_TypeError, "read_prefix_run() takes 6 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *lines = args[0];
    PyObject *lead = args[2];
    PyObject *trail = args[3];
    PyObject *keys = args[5];
    if (!PyList_Check(lines) || !PyList_Check(keys)) {
        PyErr_SetString(PyExc_TypeError, "read_prefix_run(): lines and keys must be lists");
        return NULL;
    }
    if (!PyUnicode_Check(lead) || !PyUnicode_Check(trail)) {
        PyErr_SetString(PyExc_TypeError, "read_prefix_run(): lead and trail must be str");
        return NULL;
    }
    Py_ssize_t start = PyLong_AsSsize_t(args[1]);
    if (start == -1 && PyErr_Occurred())
        return NULL;
    if (start < 0) {
        PyErr_SetString(PyExc_ValueError, "start must not be negative");
        return NULL;
    }
    int ipv6 = PyObject_IsTrue(args[4]);
    if (ipv6 < 0)
        return NULL;
    if (STRING_READY(lead) < 0 || STRING_READY(trail) < 0)
        return NULL;
    if (!PyUnicode_IS_ASCII(lead) || !PyUnicode_IS_ASCII(trail))
        return PyLong_FromSsize_t(start);
    const char *lead_text = (const char *)PyUnicode_1BYTE_DATA(lead);
    const char *trail_text = (const char *)PyUnicode_1BYTE_DATA(trail);
    Py_ssize_t skip = PyUnicode_GET_LENGTH(lead);
    Py_ssize_t cut = PyUnicode_GET_LENGTH(trail);

    Py_ssize_t i = start;
    /* the size is read again on each line: making a key may run a finalizer that changes the list */
    for (; i < PyList_GET_SIZE(lines); i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        if (!PyUnicode_Check(line)) {
            PyErr_Format(PyExc_TypeError, "read_prefix_run(): line %zd is not a str", i);
            return NULL;
        }
        if (STRING_READY(line) < 0)
            return NULL;
        if (!PyUnicode_IS_ASCII(line))
            break;
        Py_ssize_t size = PyUnicode_GET_LENGTH(line);
        if (size < skip + cut)
            break;
        const char *text = (const char *)PyUnicode_1BYTE_DATA(line);
        if (memcmp(text, lead_text, (size_t)skip) != 0 ||
            memcmp(text + size - cut, trail_text, (size_t)cut) != 0)
            break;
        unsigned char key[17];
        Py_ssize_t length = ipv6 ? ipv6_key(text + skip, size - skip - cut, key)
                                 : ipv4_key(text + skip, size - skip - cut, key);
        if (length == 0)
            break;
        PyObject *nlri = PyBytes_FromStringAndSize((const char *)key, length);
        if (nlri == NULL)
            return NULL;
        int failed = PyList_Append(keys, nlri);
        Py_DECREF(nlri);
        if (failed)
            return NULL;
    }
    return PyLong_FromSsize_t(i);
}

static PyMethodDef prefixes_methods[] = {
    {"read_prefix_run", (PyCFunction)(void (*)(void))read_prefix_run, METH_FASTCALL,
     "read_prefix_run(lines, start, lead, trail, ipv6, keys) -> index\n\n"
     "Appends to keys the NLRI key of each `lead PREFIX trail` line from lines[start] whose PREFIX\n"
     "ipv4_nlri (ipv6_nlri when ipv6) reads; returns the index of the first line not taken."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef prefixes_module = {
    PyModuleDef_HEAD_INIT,
    "aiobgp.config._prefixes",
    "C reader of route lines that differ only by their prefix (aiobgp.config.routes).",
    -1,
    prefixes_methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__prefixes(void)
{
    return PyModule_Create(&prefixes_module);
}
