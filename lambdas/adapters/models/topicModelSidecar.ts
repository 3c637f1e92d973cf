import { readModelSidecar, TOPIC_MODEL_SIDECAR } from './modelSidecar.js';

/** The topic model in a deployed bundle (package.json "imports", condition `model-sidecars`). */
export default readModelSidecar(new URL(`./${TOPIC_MODEL_SIDECAR.file}`, import.meta.url));
