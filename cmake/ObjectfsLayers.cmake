# The library as one CMake target per layer folder of lib/ (docs/ARCHITECTURE.md
# draws the DAG). Each layer is an OBJECT library, compiled once (PIC) and
# packed into both libobjectfs.a and libobjectfs.so, so the layers need no link
# order among themselves. What keeps the layering is objectfs_layer_check: a
# step of every build that fails when a file includes a header of a layer its
# own layer does not depend on (directly or through its dependencies), or a
# third-party header whose library its layer does not declare.
#
#   objectfs_layer(NAME [DEPS layer...] [LIBS target...])
#     NAME is the folder under lib/ ("core", "stores/s3"); its *.cpp and *.hpp
#     (not those of subfolders) are the layer, globbed so new files join it.
#     A declared folder that does not exist (yet) gives no target, and
#     dependencies on it are dropped.
#   objectfs_layer_exception(FROM HEADER REASON)
#     lets layer FROM ("*": any layer) include HEADER against the DAG.
#   objectfs_layer_header(PREFIX LIB)
#     an include starting with PREFIX (e.g. "curl/") needs LIB in LIBS.
#   objectfs_layers_finish()
#     after the last layer: checks every folder of lib/ is a layer and adds
#     the check step.

set_property(GLOBAL PROPERTY OBJECTFS_LAYERS "")
set_property(GLOBAL PROPERTY OBJECTFS_LAYER_EXCEPTIONS "")
set_property(GLOBAL PROPERTY OBJECTFS_LAYER_HEADERS "")
set_property(GLOBAL PROPERTY OBJECTFS_DECLARED_LAYERS "")
set_property(GLOBAL PROPERTY OBJECTFS_COMPILED_LAYERS "")

function(objectfs_layer_target name out)
  string(REPLACE "/" "_" id "${name}")
  set(${out} objectfs_layer_${id} PARENT_SCOPE)
endfunction()

function(objectfs_layer name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "DEPS;LIBS")
  set(dir ${PROJECT_SOURCE_DIR}/lib/${name})
  file(GLOB sources CONFIGURE_DEPENDS ${dir}/*.cpp)
  file(GLOB headers CONFIGURE_DEPENDS ${dir}/*.hpp)
  # An empty layer passes its dependencies through.
  get_property(present GLOBAL PROPERTY OBJECTFS_LAYERS)
  get_property(declared GLOBAL PROPERTY OBJECTFS_DECLARED_LAYERS)
  set(deps)
  foreach(dep IN LISTS arg_DEPS)
    if(NOT dep IN_LIST declared)
      message(FATAL_ERROR "layer ${name} depends on ${dep}, which is not declared before it")
    endif()
    if(dep IN_LIST present)
      list(APPEND deps ${dep})
    else()
      objectfs_layer_target(${dep} dep_target)
      get_property(through GLOBAL PROPERTY OBJECTFS_LAYER_${dep_target}_DEPS)
      list(APPEND deps ${through})
    endif()
  endforeach()
  list(REMOVE_DUPLICATES deps)
  objectfs_layer_target(${name} target)
  set_property(GLOBAL PROPERTY OBJECTFS_LAYER_${target}_DEPS ${deps})
  set_property(GLOBAL APPEND PROPERTY OBJECTFS_DECLARED_LAYERS ${name})
  if(NOT sources AND NOT headers)
    return()
  endif()
  if(NOT sources)
    # Headers only: nothing to compile, but its includes are checked all the same.
    add_library(${target} INTERFACE)
    foreach(dep IN LISTS deps)
      objectfs_layer_target(${dep} dep_target)
      target_link_libraries(${target} INTERFACE ${dep_target})
    endforeach()
  else()
    add_library(${target} OBJECT ${sources} ${headers})
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/include
                                                ${PROJECT_BINARY_DIR}/include
                                         PRIVATE ${PROJECT_SOURCE_DIR}/lib)
    target_compile_features(${target} PUBLIC cxx_std_20)
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    foreach(dep IN LISTS deps)
      objectfs_layer_target(${dep} dep_target)
      target_link_libraries(${target} PUBLIC ${dep_target})
    endforeach()
    target_link_libraries(${target} PRIVATE ${arg_LIBS} Threads::Threads)
    set_property(GLOBAL APPEND PROPERTY OBJECTFS_COMPILED_LAYERS ${name})
  endif()

  set_property(GLOBAL APPEND PROPERTY OBJECTFS_LAYERS ${name})
  set_property(GLOBAL PROPERTY OBJECTFS_LAYER_${target}_LIBS ${arg_LIBS})
  set_property(GLOBAL PROPERTY OBJECTFS_LAYER_${target}_FILES ${sources} ${headers})
endfunction()

function(objectfs_layer_exception from header reason)
  set_property(GLOBAL APPEND PROPERTY OBJECTFS_LAYER_EXCEPTIONS "${from}|${header}")
endfunction()

function(objectfs_layer_header prefix lib)
  set_property(GLOBAL APPEND PROPERTY OBJECTFS_LAYER_HEADERS "${prefix}|${lib}")
endfunction()

# Every layer the given one may include: itself and its dependencies, transitively.
function(objectfs_layer_closure name out)
  set(result ${name})
  set(todo ${name})
  while(todo)
    list(POP_FRONT todo current)
    objectfs_layer_target(${current} target)
    get_property(deps GLOBAL PROPERTY OBJECTFS_LAYER_${target}_DEPS)
    foreach(dep IN LISTS deps)
      if(NOT dep IN_LIST result)
        list(APPEND result ${dep})
        list(APPEND todo ${dep})
      endif()
    endforeach()
  endwhile()
  set(${out} ${result} PARENT_SCOPE)
endfunction()

# The layers' object files and the third-party libraries they link, for the
# targets that pack them (libobjectfs.a, libobjectfs.so).
function(objectfs_layer_objects objects_out libs_out)
  get_property(layers GLOBAL PROPERTY OBJECTFS_COMPILED_LAYERS)
  set(objects)
  set(libs)
  foreach(layer IN LISTS layers)
    objectfs_layer_target(${layer} target)
    list(APPEND objects $<TARGET_OBJECTS:${target}>)
    get_property(layer_libs GLOBAL PROPERTY OBJECTFS_LAYER_${target}_LIBS)
    list(APPEND libs ${layer_libs})
  endforeach()
  list(REMOVE_DUPLICATES libs)
  set(${objects_out} ${objects} PARENT_SCOPE)
  set(${libs_out} ${libs} PARENT_SCOPE)
endfunction()

function(objectfs_layers_finish)
  # A new folder must say where it sits in the DAG.
  get_property(declared GLOBAL PROPERTY OBJECTFS_DECLARED_LAYERS)
  file(GLOB_RECURSE all_files CONFIGURE_DEPENDS RELATIVE ${PROJECT_SOURCE_DIR}/lib
       ${PROJECT_SOURCE_DIR}/lib/*.cpp ${PROJECT_SOURCE_DIR}/lib/*.hpp)
  foreach(file IN LISTS all_files)
    get_filename_component(folder ${file} DIRECTORY)
    if(NOT folder IN_LIST declared)
      message(FATAL_ERROR "lib/${file}: lib/${folder} is not a layer; declare it with "
                          "objectfs_layer() in CMakeLists.txt (and in docs/ARCHITECTURE.md)")
    endif()
  endforeach()

  # The rules the check step applies, written where the step reads them.
  get_property(layers GLOBAL PROPERTY OBJECTFS_LAYERS)
  get_property(exceptions GLOBAL PROPERTY OBJECTFS_LAYER_EXCEPTIONS)
  get_property(header_libs GLOBAL PROPERTY OBJECTFS_LAYER_HEADERS)
  set(rules "set(LIB_DIR \"${PROJECT_SOURCE_DIR}/lib\")\n")
  string(APPEND rules "set(LAYERS \"${layers}\")\nset(EXCEPTIONS \"${exceptions}\")\n")
  string(APPEND rules "set(HEADER_LIBS \"${header_libs}\")\n")
  set(all_layer_files)
  foreach(layer IN LISTS layers)
    objectfs_layer_target(${layer} target)
    objectfs_layer_closure(${layer} allowed)
    get_property(libs GLOBAL PROPERTY OBJECTFS_LAYER_${target}_LIBS)
    get_property(files GLOBAL PROPERTY OBJECTFS_LAYER_${target}_FILES)
    list(APPEND all_layer_files ${files})
    string(APPEND rules "set(\"ALLOWED_${layer}\" \"${allowed}\")\n")
    string(APPEND rules "set(\"LIBS_${layer}\" \"${libs}\")\n")
    string(APPEND rules "set(\"FILES_${layer}\" \"${files}\")\n")
  endforeach()
  set(rules_file ${PROJECT_BINARY_DIR}/objectfs_layer_rules.cmake)
  file(CONFIGURE OUTPUT ${rules_file} CONTENT "${rules}")

  set(stamp ${PROJECT_BINARY_DIR}/objectfs_layer_check.stamp)
  set(script ${PROJECT_SOURCE_DIR}/cmake/check_layers.cmake)
  add_custom_command(OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} -DRULES=${rules_file} -P ${script}
    COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
    DEPENDS ${script} ${rules_file} ${all_layer_files}
    COMMENT "Checking the includes of lib/ against the layer DAG" VERBATIM)
  add_custom_target(objectfs_layer_check ALL DEPENDS ${stamp})
  get_property(compiled GLOBAL PROPERTY OBJECTFS_COMPILED_LAYERS)
  foreach(layer IN LISTS compiled)
    objectfs_layer_target(${layer} target)
    add_dependencies(${target} objectfs_layer_check)
  endforeach()
endfunction()
