import type { ComponentProps, ReactNode } from "react";
import { cva } from "class-variance-authority";
import { cardVariants } from "@/components/ui/card";
import { Input, Select } from "@/components/ui/input";
import { cn } from "@/lib/utils";

/** The id of a field's error message, for the control's aria-describedby. */
export function fieldErrorId(name: string): string {
  return `${name}-error`;
}

/** aria-invalid and aria-describedby of a control whose field may carry a server-side error. */
export function fieldErrorProps(name: string, errors: Record<string, string | undefined>) {
  return { "aria-invalid": Boolean(errors[name]), "aria-describedby": errors[name] ? fieldErrorId(name) : undefined };
}

/**
 * A labelled control: the label wraps it (so a click on the text focuses it), with a hint and the
 * field's error under it. Spans, not paragraphs: a label holds phrasing content only.
 */
const fieldLabelVariants = cva("block text-sm", {
  variants: {
    size: {
      /** The label above the control, in the form's text. */
      md: "font-medium text-slate-700 [&>[data-slot=field-control]]:mt-1",
      /** A small caption above a compact control, for forms in a row or a table cell. */
      sm: "text-xs text-slate-600",
    },
  },
  defaultVariants: { size: "md" },
});

export function Field({
  label,
  hint,
  name,
  error,
  size,
  className,
  children,
}: {
  label: ReactNode;
  size?: "md" | "sm";
  hint?: ReactNode;
  /** With `error`: names the error's id (see fieldErrorId). */
  name?: string;
  error?: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <label className={cn(fieldLabelVariants({ size }), className)}>
      {label}
      <span data-slot="field-control" className="block">
        {children}
      </span>
      {hint && <span className="mt-0.5 block text-xs font-normal text-slate-600">{hint}</span>}
      <FieldError name={name} error={error} />
    </label>
  );
}

type CompactProps = { label: ReactNode; fieldClassName?: string };

/** A compact input under a small caption, for a row of fields (fieldRowVariants) or a side panel. */
export function CompactInput({ label, fieldClassName, ...input }: ComponentProps<typeof Input> & CompactProps) {
  return (
    <Field size="sm" label={label} className={fieldClassName}>
      <Input density="compact" {...input} />
    </Field>
  );
}

/** A compact select under a small caption, for a row of fields (fieldRowVariants) or a side panel. */
export function CompactSelect({ label, fieldClassName, ...select }: ComponentProps<typeof Select> & CompactProps) {
  return (
    <Field size="sm" label={label} className={fieldClassName}>
      <Select density="compact" {...select} />
    </Field>
  );
}

/** A field's server-side error, under its control; its id is what fieldErrorProps points at. */
export function FieldError({ name, error }: { name?: string; error?: string }) {
  if (!error) return null;
  return (
    <span id={name ? fieldErrorId(name) : undefined} className="mt-1 block text-xs font-normal text-rose-700">
      {error}
    </span>
  );
}

const choiceVariants = cva("flex gap-2 text-sm", {
  variants: {
    look: {
      plain: "",
      /** One of a few options laid out as tiles: bordered, highlighted while chosen. */
      tile: [
        "cursor-pointer rounded-md border border-slate-200 p-2.5 hover:bg-slate-50",
        "has-checked:border-indigo-400 has-checked:bg-indigo-50/60",
      ],
    },
  },
  defaultVariants: { look: "plain" },
});

/** A radio button or checkbox with its text beside it, and an optional hint under the text. */
export function Choice({
  label,
  hint,
  look,
  className,
  ...input
}: Omit<ComponentProps<"input">, "type"> & {
  type: "radio" | "checkbox";
  label: ReactNode;
  hint?: ReactNode;
  look?: "plain" | "tile";
}) {
  return (
    <label className={cn(choiceVariants({ look }), hint ? "items-start" : "items-center", className)}>
      <input {...input} className={hint ? "mt-1" : undefined} />
      {hint ? (
        <span>
          {label}
          <span className="block text-xs font-normal text-slate-600">{hint}</span>
        </span>
      ) : (
        label
      )}
    </label>
  );
}

/** Compact fields side by side (a filter bar, a one-line form), wrapping, their controls aligned at the bottom. */
export const fieldRowVariants = cva("flex flex-wrap items-end gap-3 text-sm", {
  variants: {
    card: { true: cardVariants({ padding: "sm" }), false: "" },
    /**
     * On a phone, two fields a line, each control the width of its half: wrapped at their own widths,
     * a row of selects ends up ragged. A field with `col-span-2` takes the whole line.
     */
    phoneGrid: {
      true: [
        "max-sm:grid max-sm:grid-cols-2 max-sm:*:min-w-0",
        "max-sm:[&_[data-slot=input]]:w-full max-sm:[&_[data-slot=input]]:min-w-0 max-sm:[&_[data-slot=select]]:w-full",
      ],
      false: "",
    },
  },
  defaultVariants: { card: false, phoneGrid: false },
});

/** A group of fields on a card, titled by its legend. */
export function Fieldset({
  legend,
  className,
  children,
  ...props
}: ComponentProps<"fieldset"> & { legend: ReactNode }) {
  return (
    <fieldset className={cn(cardVariants({ padding: "md" }), className)} {...props}>
      <legend className="px-1 text-sm font-semibold">{legend}</legend>
      {children}
    </fieldset>
  );
}
