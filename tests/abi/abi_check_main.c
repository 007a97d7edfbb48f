/* Compiled as C11: the pinned layout (abi_layout_v1_0.h, included by abi_layout_c11.c)
 * and the helper macros, exercised at run time. */
#include <stdio.h>

#include "sluice/scheduler.h"

int main(void) {
  sluice_sched_item items[3];
  for (int i = 0; i < 3; ++i) SLUICE_INIT(sluice_sched_item, &items[i]);
  SLUICE_ARRAY_ELEM_MUT(sluice_sched_item, items, 2)->n_tokens = 7;
  if (items[2].n_tokens != 7 || items[0].struct_size != sizeof(sluice_sched_item)) {
    fprintf(stderr, "SLUICE_INIT / SLUICE_ARRAY_ELEM_MUT misbehave\n");
    return 1;
  }
  if (!SLUICE_HAS_FIELD(sluice_sched_item, seq_id, sizeof(sluice_sched_item)) ||
      SLUICE_HAS_FIELD(sluice_sched_item, seq_id, 8)) {
    fprintf(stderr, "SLUICE_HAS_FIELD misbehaves\n");
    return 1;
  }
  if (SLUICE_VERSION_MAJOR(SLUICE_MAKE_VERSION(3, 9)) != 3 ||
      SLUICE_VERSION_MINOR(SLUICE_MAKE_VERSION(3, 9)) != 9) {
    fprintf(stderr, "version packing misbehaves\n");
    return 1;
  }
  printf("plugin ABI %d.%d headers compile as C11 and C++; 1.0 layout pinned\n",
         SLUICE_ABI_VERSION_MAJOR, SLUICE_ABI_VERSION_MINOR);
  return 0;
}
