"use client";

import { useRef, useState } from "react";
import { Button, type ButtonProps } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";

/** A submit button that asks first (for actions that lock someone out), then submits its form. */
export function ConfirmSubmitButton({
  title,
  description,
  confirmLabel,
  children,
  ...props
}: ButtonProps & { title: string; description: string; confirmLabel: string }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLButtonElement>(null);
  return (
    <>
      <Button ref={ref} {...props} type="button" onClick={() => setOpen(true)} aria-haspopup="dialog">
        {children}
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title={title} description={description} role="alertdialog">
        <div className="flex flex-wrap justify-end gap-2">
          <Button variant="secondary" onClick={() => setOpen(false)} autoFocus>
            Cancel
          </Button>
          <Button
            variant="danger"
            data-testid="confirm-action"
            onClick={() => {
              setOpen(false);
              ref.current?.form?.requestSubmit();
            }}
          >
            {confirmLabel}
          </Button>
        </div>
      </Dialog>
    </>
  );
}
