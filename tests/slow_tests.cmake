# ctest starts tests in descending COST. A clean checkout (CI) has no measured costs yet
# (Testing/Temporary/CTestCostData.txt), so without these the few tests that take minutes under
# ASan start wherever they fall in the list and can end up running alone at the end while the
# other slots sit idle. Figures: seconds of one run under ASan on 2 busy cores.
foreach(slow IN ITEMS
        "unit.ObfuscationScaleTest.HundredThousandDistinctHostsGetDistinctStablePseudonyms=115"
        "integration.LoadCheck.ThreeExportsAndFiftyPollersLeaveTheUiResponsiveAndMemoryFlat=56"
        "integration.ExportResilience.ThirtyExportsInOneProcessKeepMemoryAndDescriptorsFlat=24"
        "integration.ImporterCli.TenantRouteThroughClusterStylePaths=21"
        "integration.ExportEngine.ExportOfAKilledProcessResumesInTheNextOneWithTheSameKey=19")
  string(REPLACE "=" ";" pair "${slow}")
  list(GET pair 0 name)
  list(GET pair 1 cost)
  set_tests_properties("${name}" PROPERTIES COST ${cost})
endforeach()
