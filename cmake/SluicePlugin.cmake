# sluice_add_plugin(<name> SOURCES <files...> [LIBRARIES <libs...>] [OUTPUT_DIRECTORY <dir>])
#
# Builds <name>.so, a Sluice plugin: a MODULE library linked only against the plugin-api
# headers, with hidden symbols (only sluice_plugin_entry is exported), no undefined
# symbols, static dependencies kept private, and unloadable. Installed with the headers, so
# third-party plugins use the very same rules.
# Captured when this file is included (inside the function it would name the caller's folder).
set(SLUICE_PLUGIN_VERSION_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/sluice_plugin.map")

function(sluice_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "sluice_add_plugin(${name}): SOURCES is required")
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE sluice::plugin_api ${ARG_LIBRARIES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${name}
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # The version script hides even what headers force to default visibility (libstdc++'s
  # inline statics), so sluice_plugin_entry is the only exported symbol.
  target_link_options(${name} PRIVATE -Wl,--no-undefined -Wl,--exclude-libs,ALL
                      -Wl,--version-script=${SLUICE_PLUGIN_VERSION_SCRIPT})
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${SLUICE_PLUGIN_VERSION_SCRIPT})
  # GCC marks some C++ statics STB_GNU_UNIQUE, which makes glibc refuse to ever unload
  # the library; plugins must be unloadable (hot-swap), so ask for plain symbols.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${name} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-fno-gnu-unique>)
  endif()
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  elseif(DEFINED SLUICE_PLUGIN_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${SLUICE_PLUGIN_OUTPUT_DIR})
  endif()
endfunction()
