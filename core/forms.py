from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Every form renders the same way: label above, help below, errors inline
    under the field and a summary at the top (shared/UI.md, Forms)."""

    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"
