/** The pipelines area's front door: everything other code uses from src/pipelines/. */

export { type PipelineLine, renderPipeline, stageDetail, stageTable, summaryLine } from './render.js';
export { PipelineService } from './service.js';
export { type AttemptRow, ON_FAILURE, PIPELINE_LIMITS, PIPELINE_STATUSES, type PipelineView, STAGE_STATUSES } from './types.js';
