"""The diagnoses of the Open Government commitment: the attention survey of residents
(``external``) and the anonymous staff questionnaire (``internal``), their results and reports
(``views``). See README "Diagnósticos"."""
