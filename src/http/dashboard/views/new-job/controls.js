// The New job form's controls: a field with the errors for its spec paths beside it, and the
// inputs, checkboxes and fields every fieldset builds from the form's state.
import { errorsAt } from '../../spec.js';
import { html } from '../../ui.js';
/** @import { ComponentChildren, TargetedEvent } from 'preact' */
/** @import { JobForm } from '../../spec.js' */
/** @import { FieldError } from '../../types.js' */

/**
 * A labelled control with the errors for its spec paths beside it.
 * @param {{
 *   id: string, label: string, paths: string[], errors: FieldError[], hint?: ComponentChildren,
 *   children: ComponentChildren, wide?: boolean,
 * }} props
 */
function Field({ id, label, paths, errors, hint, children, wide }) {
  const mine = errorsAt(errors, ...paths);
  return html`<div
    class=${`field${wide ? ' wide' : ''}${mine.length ? ' invalid' : ''}`}
    data-paths=${paths.join(' ')}
  >
    <label for=${id}>${label}</label>
    ${children} ${hint && html`<p class="muted small" id=${`${id}-hint`}>${hint}</p>`}
    ${
      mine.length > 0 &&
      html`<ul class="field-errors" id=${`${id}-errors`} data-testid=${`errors-${id}`}>
        ${mine.map((e) => html`<li>${e.message}</li>`)}
      </ul>`
    }
  </div>`;
}

/** The spec paths whose errors each field shows (`=path`: that path only, not its members). */
export const FIELD_PATHS = {
  datasetId: ['datasetId'],
  base: ['base'],
  architecture: ['architecture'],
  cutAt: ['cutAt'],
  freeze: ['freeze'],
  head: ['head'],
  inputWidth: ['input.size', '=input'],
  channels: ['input.channels'],
  optimizer: ['compile.optimizer', 'compile.loss', '=compile'],
  learningRate: ['compile.learningRate'],
  epochs: ['fit.epochs'],
  batchSize: ['fit.batchSize'],
  validationSplit: ['fit.validationSplit', '=fit'],
  reduceLr: ['callbacks.reduceLROnPlateau'],
  earlyStopping: ['callbacks.earlyStopping', '=callbacks'],
  fineTune: ['fineTune.epochs', 'fineTune.learningRate', 'fineTune.trainBatchNorm'],
  unfreezeFrom: ['fineTune.unfreezeFrom', '=fineTune'],
  rotateDegrees: ['augment.rotateDegrees', '=augment'],
  flipHorizontal: ['augment.flipHorizontal'],
  evaluationMethod: ['evaluation.method', '=evaluation'],
  folds: ['evaluation.folds', 'evaluation.maxCost'],
  learningCurve: ['evaluation.learningCurve'],
  modelName: ['modelName'],
  seed: ['seed', 'classWeight'],
};

/** Every path a field shows errors for: the API's errors elsewhere are listed in the summary. */
export const PLACED_PATHS = Object.values(FIELD_PATHS).flat();

/** @typedef {keyof JobForm} Key */
/** @typedef {(key: Key) => (e: TargetedEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) => void} Setter */

/**
 * The builders every fieldset uses, bound to the form's state, its setter and its errors.
 * @param {JobForm} f
 * @param {Setter} set
 * @param {FieldError[]} errors
 */
export function controls(f, set, errors) {
  /** @param {Key} key */
  const pathsOf = (key) => FIELD_PATHS[/** @type {keyof typeof FIELD_PATHS} */ (key)] ?? [];
  /** @param {Key} key */
  const invalid = (key) => errorsAt(errors, ...pathsOf(key)).length > 0;
  /** @param {Key} key */
  const describedBy = (key) => (invalid(key) ? `job-${key}-errors` : undefined);
  return {
    f,
    set,
    describedBy,
    /**
     * A field around `control`, with the errors for its key's paths.
     * @param {Key} key
     * @param {string} label
     * @param {ComponentChildren} control
     * @param {{ hint?: ComponentChildren, wide?: boolean }} [extra]
     */
    field: (key, label, control, extra = {}) =>
      html`<${Field} id=${`job-${key}`} label=${label} paths=${pathsOf(key)} errors=${errors} ...${extra}
        >${control}<//
      >`,
    /**
     * A text input bound to the form's `key`.
     * @param {Key} key
     * @param {Record<string, unknown>} [props]
     */
    input: (key, props = {}) =>
      html`<input
        id=${`job-${key}`}
        value=${f[key]}
        onInput=${set(key)}
        aria-invalid=${invalid(key) ? 'true' : undefined}
        aria-describedby=${describedBy(key)}
        ...${props}
      />`,
    /**
     * A checkbox bound to the form's `key`.
     * @param {Key} key
     * @param {string} label
     */
    check: (key, label) =>
      html`<label class="check"
        ><input type="checkbox" id=${`job-${key}`} checked=${f[key]} onChange=${set(key)} /> ${label}</label
      >`,
  };
}

/** @typedef {ReturnType<typeof controls>} Controls */
