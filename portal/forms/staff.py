"""Forms of the staff console. Every edit form carries the version it was loaded at, so a
stale form is refused instead of overwriting someone else's change."""
from __future__ import annotations

from decimal import Decimal

from django import forms

from portal.dynamo.products import MONTHLY, YEARLY
from portal.dynamo.tenants import REGISTERED, SUSPENDED, UNVALIDATED, VALIDATED
from portal.selectors.billing.plans import MAX_DESTINATIONS, MAX_FILES
from portal.services.billing.campaigns import CODE_PATTERN, CODE_RULE, campaign_code_normalize
from portal.text import refuse_control_characters

# ISO 4217 currency codes in current use.
ISO_4217 = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF
CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG
HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA
MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD
RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX
USD UYU UZS VED VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWG
""".split())
MAX_FEATURES = 50


class VersionedForm(forms.Form):
    """`editing=False` (a create form) drops the version field; otherwise it is required."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, editing: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        if not editing:
            del self.fields["version"]


class ProductForm(VersionedForm):
    name = forms.CharField(max_length=100)
    description = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    price = forms.DecimalField(min_value=Decimal("0"), max_digits=12, decimal_places=2,
                               help_text="At most two decimal places, for example 49.00.")
    currency = forms.CharField(max_length=3, initial="EUR", help_text="ISO 4217 code, for example EUR or USD.")
    billing_cycle = forms.ChoiceField(choices=[(MONTHLY, "Monthly"), (YEARLY, "Yearly")])
    features = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}),
                               help_text=f"One feature per line, at most {MAX_FEATURES}.")
    monthly_submissions = forms.IntegerField(min_value=0, initial=1000, label="Monthly submissions")
    max_destinations = forms.IntegerField(min_value=0, max_value=MAX_DESTINATIONS, initial=3, label="Max destinations",
                                          help_text=f"At most {MAX_DESTINATIONS}: one ingest writes all of them at once.")
    max_sites = forms.IntegerField(min_value=0, initial=3, label="Max sites")
    retention_days = forms.IntegerField(min_value=1, max_value=3650, initial=30, label="Retention (days)")
    # Files (issue 13); left empty: the product default (new product) or the value it had.
    max_file_mb = forms.IntegerField(required=False, min_value=0, max_value=5120, initial=10, label="Largest file (MB)",
                                     help_text="0 refuses every file upload.")
    max_submission_files_mb = forms.IntegerField(required=False, min_value=0, max_value=5120, initial=25,
                                                 label="Files per submission (MB, all files together)")
    max_files = forms.IntegerField(required=False, min_value=0, max_value=MAX_FILES, initial=10, label="Files per submission",
                                   help_text=f"At most {MAX_FILES}.")
    monthly_file_storage_mb = forms.IntegerField(required=False, min_value=0, initial=1024, label="File storage per month (MB)",
                                                 help_text="Bytes of files uploaded per month (UTC).")

    def clean_currency(self):
        code = self.cleaned_data["currency"].strip().upper()
        if code not in ISO_4217:
            raise forms.ValidationError("Enter an ISO 4217 currency code, for example EUR or USD.")
        return code

    def clean_features(self):
        lines = [line.strip() for line in self.cleaned_data["features"].splitlines() if line.strip()]
        if len(lines) > MAX_FEATURES:
            raise forms.ValidationError(f"At most {MAX_FEATURES} features (you entered {len(lines)}).")
        if any(len(line) > 200 for line in lines):
            raise forms.ValidationError("Each feature can be at most 200 characters long.")
        return lines

    @staticmethod
    def initial_for(product) -> dict:
        return {
            "version": product.version, "name": product.name, "description": product.description,
            "price": product.price, "currency": product.currency, "billing_cycle": product.billingCycle,
            "features": "\n".join(product.features),
            "monthly_submissions": product.quotas.monthlySubmissions,
            "max_destinations": product.quotas.maxDestinations, "max_sites": product.quotas.maxSites,
            "retention_days": product.quotas.retentionDays,
            "max_file_mb": product.quotas.maxFileMb, "max_submission_files_mb": product.quotas.maxSubmissionFilesMb,
            "max_files": product.quotas.maxFilesPerSubmission,
            "monthly_file_storage_mb": product.quotas.monthlyFileStorageMb,
        }


class CampaignForm(VersionedForm):
    code = forms.CharField(max_length=32, help_text=f"Upper-cased; {CODE_RULE} Cannot be changed later.")
    name = forms.CharField(max_length=100, required=False)
    product_id = forms.ChoiceField(label="Product")
    discount_percent = forms.IntegerField(min_value=1, max_value=100, label="Discount (%)")
    from_date = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    to_date = forms.DateField(label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, product_choices: list[tuple[str, str]], editing: bool = False, **kwargs):
        super().__init__(*args, editing=editing, **kwargs)
        self.fields["product_id"].choices = [("", "Choose a product")] + product_choices
        if editing:
            del self.fields["code"]

    def clean_code(self):
        code = campaign_code_normalize(self.cleaned_data["code"])
        if not CODE_PATTERN.match(code):
            raise forms.ValidationError(f"The code must be {CODE_RULE}")
        return code

    def clean(self):
        data = super().clean()
        if data.get("from_date") and data.get("to_date") and data["from_date"] > data["to_date"]:
            self.add_error("to_date", "The end date must be on or after the start date.")
        return data

    @staticmethod
    def initial_for(campaign) -> dict:
        return {"version": campaign.version, "name": campaign.name, "product_id": campaign.productId,
                "discount_percent": int(campaign.discountPercent), "from_date": campaign.fromDate,
                "to_date": campaign.toDate}


class TenantSearchForm(forms.Form):
    email = forms.EmailField(label="Find by e-mail", widget=forms.EmailInput(attrs={"placeholder": "owner@agency.example"}))


class TenantForm(VersionedForm):
    organization = forms.CharField(max_length=200, validators=[refuse_control_characters])
    email = forms.EmailField(max_length=254, label="E-mail")
    destination_email = forms.EmailField(max_length=254, required=False, label="Destination e-mail")
    product_id = forms.ChoiceField(label="Product", required=False)
    campaign_code = forms.CharField(max_length=32, required=False, label="Campaign code")

    def __init__(self, *args, product_choices: list[tuple[str, str]], editing: bool = True, **kwargs):
        super().__init__(*args, editing=editing, **kwargs)
        self.fields["product_id"].choices = [("", "No product")] + product_choices

    def clean_campaign_code(self):
        code = campaign_code_normalize(self.cleaned_data["campaign_code"])
        if code and not CODE_PATTERN.match(code):
            raise forms.ValidationError(f"A campaign code is {CODE_RULE}")
        return code

    @staticmethod
    def initial_for(tenant) -> dict:
        return {"version": tenant.version, "organization": tenant.organization, "email": tenant.email,
                "destination_email": tenant.destinationEmail or "", "product_id": tenant.productId or "",
                "campaign_code": tenant.campaignCode or ""}


class TenantCreateForm(TenantForm):
    owner_name = forms.CharField(max_length=100, required=False, label="Owner's name")
    status = forms.ChoiceField(choices=[(s, s.title()) for s in (UNVALIDATED, VALIDATED, REGISTERED)],
                               initial=UNVALIDATED, label="Starting status")
    field_order = ["organization", "email", "owner_name", "destination_email", "product_id", "campaign_code", "status"]


class TenantStatusForm(VersionedForm):
    to_status = forms.ChoiceField(choices=[(s, s) for s in (UNVALIDATED, VALIDATED, REGISTERED, SUSPENDED)],
                                  widget=forms.HiddenInput)
    reason = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("to_status") == SUSPENDED and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give a reason for the suspension.")
        return data


class ActiveToggleForm(VersionedForm):
    """Soft delete or restore, from the version the staff member saw."""


class CostThresholdForm(VersionedForm):
    """A tenant's monthly cost threshold in USD; blank clears it."""

    threshold = forms.DecimalField(required=False, min_value=Decimal("0.01"), max_value=Decimal("1000000"),
                                   decimal_places=2, max_digits=10, label="Alert at (USD per month)")


class CostMonthForm(forms.Form):
    month = forms.RegexField(regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False,
                             error_messages={"invalid": "Choose a month as YYYY-MM."})
