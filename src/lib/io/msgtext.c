/* Escaping input text quoted in one-line messages (see msgtext.h). */
#include <stdio.h>
#include <string.h>

#include "io/msgtext.h"

char *
msg_escape(const char *in, size_t max, char *out, size_t outlen)
{
	size_t o = 0;

	if (outlen == 0)
		return out;
	for (size_t i = 0; i < max && in[i] != '\0'; i++) {
		unsigned char c = (unsigned char)in[i];
		char e[5];

		if (c == '\n')
			memcpy(e, "\\n", 3);
		else if (c == '\t')
			memcpy(e, "\\t", 3);
		else if (c == '\r')
			memcpy(e, "\\r", 3);
		else if (c < 0x20 || c == 0x7f)
			snprintf(e, sizeof(e), "\\x%02x", c);
		else
			e[0] = (char)c, e[1] = '\0';
		if (o + strlen(e) >= outlen)
			break;
		memcpy(out + o, e, strlen(e));
		o += strlen(e);
	}
	out[o] = '\0';
	return out;
}
