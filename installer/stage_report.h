// How a stage's outcome is shown: text for people (failures grouped by rule across hosts, then
// the hosts that did not succeed for another reason, then the tally) or the merged JSON document
// (docs/state-files.md, "flightcheck/fleet-report/v1"). GroupFailuresByRule is declared in
// stages.h. Private to installer/.
#pragma once

#include "installer/stages.h"
#include "runner/stage_state.h"

namespace flightcheck {

// Prints to options.out. with_reports: the hosts' check reports are grouped by rule.
void PrintStageOutcome(const StageState& state, const StageOptions& options, int exit_code,
                       bool with_reports);

}  // namespace flightcheck
