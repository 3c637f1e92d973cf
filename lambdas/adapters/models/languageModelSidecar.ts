import { LANGUAGE_MODEL_SIDECAR, readModelSidecar } from './modelSidecar.js';

/** The language model in a deployed bundle (package.json "imports", condition `model-sidecars`). */
export default readModelSidecar(new URL(`./${LANGUAGE_MODEL_SIDECAR.file}`, import.meta.url));
