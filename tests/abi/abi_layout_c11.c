/* The pinned 1.0 layout, checked by the C compiler. */
#include "abi_layout_v1_1.h"
