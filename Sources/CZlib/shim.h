// zlib (Debian's zlib1g-dev): inflates the run logs committed as FILE.gz.
#include <zlib.h>
